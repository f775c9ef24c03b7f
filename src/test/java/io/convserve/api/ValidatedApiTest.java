package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Base of the HTTP tests: the service on a random port, reached through a {@link ValidatingProxy}, so that every
 * request and response of every test is also checked against api-spec/openapi.yaml.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ValidatedApiTest {

    @LocalServerPort
    int port;

    ValidatingProxy proxy;
    HttpJson http;

    @BeforeAll
    void startProxy() throws Exception {
        proxy = new ValidatingProxy(port);
        http = new HttpJson(proxy.port());
    }

    @AfterAll
    void checkTraffic() {
        assertThat(proxy.violations()).as("exchanges that break api-spec/openapi.yaml").isEmpty();
        proxy.close();
    }
}
