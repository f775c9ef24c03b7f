package io.convserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * README.md's Python client command against the service, compared with what README prints. Needs requests and
 * numpy ({@code CONVSERVE_PYTHON}, made by tools/ci/python-env.sh): the full run only.
 */
@Tag("python")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadmePythonExampleTest {

    @LocalServerPort
    int port;

    @Test
    void pythonClientAnswersAsPrinted() throws Exception {
        List<ReadmeExamples> python = ReadmeExamples.all().stream()
                .filter(e -> e.command().startsWith("python3 ")).toList();
        assertThat(python).as("README's python3 commands").isNotEmpty();
        for (ReadmeExamples e : python) {
            String actual = e.run(port, ReadmeExamples.python());
            assertThat(e.printedAs(actual)).as("README prints\n%s\nthe command printed\n%s\n(missing modules: run "
                    + "tools/ci/python-env.sh and set CONVSERVE_PYTHON)", e.expected(), actual).isTrue();
        }
    }
}
