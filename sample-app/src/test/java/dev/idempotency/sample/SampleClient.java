package dev.idempotency.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls the sample API over HTTP the way a client does, with or without an Idempotency-Key header. */
final class SampleClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI base;

    SampleClient(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    /** POSTs {@code json} to {@code path}; {@code key} is the raw header value, or null for no header. */
    HttpResponse<byte[]> post(String path, String key, String json) {
        return postAsync(path, key, json).join();
    }

    CompletableFuture<HttpResponse<byte[]>> postAsync(String path, String key, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).join();
    }

    HttpResponse<byte[]> delete(String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).DELETE().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).join();
    }

    static JsonNode json(HttpResponse<byte[]> response) {
        return JSON.readTree(response.body());
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    static String order(String item, int quantity) {
        return "{\"item\":\"" + item + "\",\"quantity\":" + quantity + "}";
    }

    static String payment(String orderId, String amount) {
        return "{\"orderId\":\"" + orderId + "\",\"amount\":" + amount + "}";
    }
}
