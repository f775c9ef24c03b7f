package io.convserve.system;

import io.convserve.api.Problems;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tomcat answers its own errors as JSON too ({@link JsonErrorReportValve}). */
@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    /**
     * The host keeps the valve of its error-report class if its pipeline already holds one, so the instance added
     * here, with its injected {@link Problems}, is the one that answers.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonTomcatErrors(Problems problems) {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
                if (java.util.Arrays.stream(host.getPipeline().getValves())
                        .noneMatch(JsonErrorReportValve.class::isInstance)) {
                    host.getPipeline().addValve(new JsonErrorReportValve(problems));
                }
            }
        });
    }
}
