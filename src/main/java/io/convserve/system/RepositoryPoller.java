package io.convserve.system;

import io.convserve.registry.ModelRegistry;
import io.convserve.registry.RepositoryProperties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/** Scans the model repository every {@code inference.poll-interval} (off when 0), like Triton's poll mode. */
@Component
class RepositoryPoller implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ScheduledExecutorService executor;

    RepositoryPoller(ModelRegistry registry, RepositoryProperties properties) {
        long millis = properties.pollInterval().toMillis();
        if (millis <= 0) {
            executor = null;
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "repository-poller");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                registry.poll();
            } catch (RuntimeException e) {
                log.error("repository poll failed", e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
        log.info("polling the model repository every {} ms", millis);
    }

    @Override
    public void destroy() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
