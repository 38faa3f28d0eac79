package dev.idempotency.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** Calls the {@link WebTestApplication} over HTTP the way clients do, and checks problem answers. */
abstract class WebTestSupport {

    static final String ORDER = "{\"item\":\"book\",\"quantity\":2}";

    /** The documentation URL the shared test context configures (idempotency.web.documentation-url). */
    static final String DOCUMENTATION = "https://docs.example.com/idempotency";

    final HttpClient client = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    /** Sends exact header bytes, which {@link HttpClient} would re-encode or refuse. */
    String rawPost(String path, byte[] key, String body) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.writeBytes(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nIdempotency-Key: ")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            request.writeBytes(key);
            request.writeBytes(("\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(request.toByteArray());
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** Retries while the first request is still finishing (409), as a client would. */
    HttpResponse<byte[]> awaitReplay(String path, String key, String body) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<byte[]> response = post(path, key, body);
        while (response.statusCode() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            response = post(path, key, body);
        }
        assertThat(response.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        return response;
    }

    void awaitExecutions(String route, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (WebTestApplication.executions(route) < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(WebTestApplication.executions(route)).isEqualTo(expected);
    }

    /** {@code retry} is the replay of {@code first}: the same status and body, marked as a replay. */
    static void assertReplayOf(HttpResponse<String> first, HttpResponse<String> retry) {
        assertThat(retry.statusCode()).isEqualTo(first.statusCode());
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    /** Sends {@code request} until its answer is no longer "in progress", for up to 10 seconds. */
    HttpResponse<String> retryWhileInProgress(Supplier<HttpRequest.Builder> request) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response = send(request.get());
        while (response.body().contains("request-in-progress") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            response = send(request.get());
        }
        return response;
    }

    static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                contentType -> assertThat(contentType).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"type\":\"urn:problem-type:idempotency:" + type + "\"")
                .contains("\"status\":" + status).contains("\"detail\":");
    }

    HttpResponse<byte[]> post(String path, String key, String body) throws IOException, InterruptedException {
        return send(request(path, key, body).build(), byteBody());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(request.build());
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return client.send(request, handler);
    }

    static HttpResponse.BodyHandler<byte[]> byteBody() {
        return HttpResponse.BodyHandlers.ofByteArray();
    }

    HttpRequest.Builder request(String path, String key, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            builder.header("Idempotency-Key", key);
        }
        return builder;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static String newKey() {
        return UUID.randomUUID().toString();
    }
}
