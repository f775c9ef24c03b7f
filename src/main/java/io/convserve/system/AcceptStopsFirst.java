package io.convserve.system;

import org.apache.catalina.connector.Connector;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * On shutdown, stops accepting connections a moment before the graceful shutdown pauses the web server. A paused
 * Tomcat closes a connection it has accepted but not yet read a request from, without an answer: a client that
 * connected just before SIGTERM lost its request. Closing the listening socket first and waiting
 * {@value #READ_GRACE_MILLIS} ms lets every accepted connection's request start, and the graceful shutdown then
 * waits for it like any other.
 */
@Component
class AcceptStopsFirst implements SmartLifecycle {

    /** Long enough for a request sent right after connecting to reach a worker thread on a loaded machine. */
    static final long READ_GRACE_MILLIS = 300;

    private final ApplicationContext context;
    private final boolean graceful;
    private volatile boolean running;

    AcceptStopsFirst(ApplicationContext context, Environment environment) {
        this.context = context;
        this.graceful = !"immediate".equalsIgnoreCase(environment.getProperty("server.shutdown", "graceful"));
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (!graceful || !(context instanceof WebServerApplicationContext web)
                || !(web.getWebServer() instanceof TomcatWebServer tomcat)) {
            return;
        }
        boolean closed = false;
        for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
            if (connector.getProtocolHandler() != null && connector.getPort() > 0) {
                connector.getProtocolHandler().closeServerSocketGraceful();
                closed = true;
            }
        }
        if (closed) {
            try {
                Thread.sleep(READ_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stopped just before the graceful shutdown (a higher phase stops earlier). */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }
}
