package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The limits on bodies still arriving, with small values: two bodies may arrive at once, a third is refused with 503
 * at once; the two get 408 once their second (plus 1,000 bytes at 100,000 bytes/s, 10 ms) has passed, naming the
 * settings and what had arrived, and the server closes their connections.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "inference.limits.max-pending-bodies=2",
        "inference.limits.body-read-timeout=1s",
        "inference.limits.min-body-rate=100000"})
class BodyReadLimitsApiTest {

    @LocalServerPort
    int port;

    Socket slowInfer() throws Exception {
        Socket socket = new Socket("localhost", port);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST /v2/models/lenet5/infer HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\"")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** The whole answer: the server closes the connection after it. */
    static String answer(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void bodiesStillArrivingAreCappedAndTimedOut() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sockets.add(slowInfer());
            Thread.sleep(200);
        }
        long start = System.nanoTime();
        List<String> answers = new ArrayList<>();
        for (Socket socket : sockets) {
            answers.add(answer(socket));
            socket.close();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        // whichever came third to the filter was refused; the two before it waited for their bodies and timed out
        List<String> refused = answers.stream().filter(a -> a.startsWith("HTTP/1.1 503")).toList();
        List<String> timedOut = answers.stream().filter(a -> a.startsWith("HTTP/1.1 408")).toList();
        assertThat(refused).as("answers: %s", answers).hasSize(1);
        assertThat(timedOut).as("answers: %s", answers).hasSize(2);
        assertThat(refused.get(0)).containsIgnoringCase("Retry-After: 1")
                .contains("2 request bodies are arriving already", "inference.limits.max-pending-bodies");
        for (String answer : timedOut) {
            assertThat(answer).contains("request body did not arrive within 1010 ms",
                    "inference.limits.body-read-timeout", "inference.limits.min-body-rate", "9 of the body's bytes");
        }
        assertThat(millis).as("ms until all three were answered and closed").isLessThan(9_000);
        try (Socket again = slowInfer()) {
            assertThat(answer(again)).as("the slots are free again").startsWith("HTTP/1.1 408");
        }
    }
}
