package io.convserve.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reverse proxy in front of the service that checks every request and response passing through it against
 * {@code api-spec/openapi.yaml} with Atlassian's swagger-request-validator. Clients we did not write talk to the
 * proxy, so their real traffic is what gets validated.
 */
final class ValidatingProxy implements AutoCloseable {

    private static final Set<String> FORWARDED = Set.of("content-type", "content-encoding", "accept",
            "inference-header-content-length");

    private final OpenApiInteractionValidator validator = OpenApiInteractionValidator
            .createForSpecificationUrl(java.nio.file.Path.of("api-spec/openapi.yaml").toUri().toString())
            .build();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpServer server;
    private final String target;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger exchanges = new AtomicInteger();

    ValidatingProxy(int targetPort) throws IOException {
        this.target = "http://localhost:" + targetPort;
        this.server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Every validation error seen, with the method and path of the exchange. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    int exchanges() {
        return exchanges.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            URI uri = exchange.getRequestURI();
            String method = exchange.getRequestMethod();
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + uri.getRawPath()
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .timeout(Duration.ofSeconds(120))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            SimpleRequest.Builder request = new SimpleRequest.Builder(method, uri.getPath());
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (FORWARDED.contains(name.toLowerCase())) {
                    values.forEach(v -> forward.header(name, v));
                    request.withHeader(name, values);
                }
            });
            if (uri.getRawQuery() != null) {
                for (String pair : uri.getRawQuery().split("&")) {
                    String[] kv = pair.split("=", 2);
                    request.withQueryParam(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
            }
            if (body.length > 0) {
                boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
                request.withBody(gzip ? gunzip(body) : body);
            }
            HttpResponse<byte[]> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            SimpleResponse.Builder validated = new SimpleResponse.Builder(response.statusCode());
            response.headers().map().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")
                        && !name.equalsIgnoreCase("connection") && !name.equals(":status")) {
                    exchange.getResponseHeaders().put(name, values);
                    validated.withHeader(name, values);
                }
            });
            if (response.body().length > 0) {
                validated.withBody(response.body());
            }
            // the page's own files are not API and not in the spec; everything the page calls is
            boolean page = uri.getPath().startsWith("/ui/");
            ValidationReport report = page ? ValidationReport.empty()
                    : validator.validate(request.build(), validated.build());
            exchanges.incrementAndGet();
            for (ValidationReport.Message m : report.getMessages()) {
                // a request the spec rejects must be rejected by the service too (4xx); its error body is still checked
                boolean rejectedBadRequest = m.getKey().startsWith("validation.request.") && response.statusCode() >= 400
                        && response.statusCode() < 500;
                if (m.getLevel() == ValidationReport.Level.ERROR && !rejectedBadRequest) {
                    violations.add(method + " " + uri + " -> " + response.statusCode() + ": " + m.getKey() + ": "
                            + m.getMessage());
                }
            }
            byte[] out = response.body();
            exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }


    private static byte[] gunzip(byte[] body) {
        try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            return in.readAllBytes();
        } catch (IOException e) {
            return body;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
