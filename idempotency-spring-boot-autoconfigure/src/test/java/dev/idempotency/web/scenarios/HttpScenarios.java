package dev.idempotency.web.scenarios;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP behaviour of the library, written once and run against each web stack on a real
 * server: Spring MVC on Tomcat ({@link ServletHttpScenariosTest}) and WebFlux on Netty
 * ({@link WebFluxHttpScenariosTest}). Each scenario is one row of the README's status table.
 */
abstract class HttpScenarios {

    static final int MAX_REQUEST_BYTES = 1024;
    static final int MAX_RESPONSE_BYTES = 2048;

    /** The properties both stacks run with. */
    static final String PATHS = "idempotency.web.paths=/payments,/stream";
    static final String PATHS_KEY_OPTIONAL = "idempotency.web.key-required=false";
    static final String MAX_REQUEST = "idempotency.web.max-request-size=" + MAX_REQUEST_BYTES + "B";
    static final String MAX_RESPONSE = "idempotency.web.max-response-size=" + MAX_RESPONSE_BYTES + "B";
    static final String RETRY_AFTER = "idempotency.web.retry-after=2s";

    static final String ORDER = "{\"item\":\"book\",\"quantity\":2}";

    /** Holds /slow handlers until a scenario opens it. */
    static volatile CountDownLatch slowGate = new CountDownLatch(0);

    private final HttpClient client = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Test
    void aRetryReplaysTheFirstResponseWithoutRunningTheHandlerAgain() throws Exception {
        Exchange exchange = assertReplayedOnce("/orders", ORDER, 201);
        HttpResponse<String> first = exchange.first();
        HttpResponse<String> retry = exchange.retry();

        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(retry.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(retry.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void theSameKeyWithAnotherPayloadIsRefusedWith422() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);

        assertProblem(post("/orders", key, "{\"item\":\"pen\",\"quantity\":1}"), 422, "key-reused");
    }

    @Test
    void aDuplicateOfARequestStillRunningIsRefusedWith409AndRetryAfter() throws Exception {
        slowGate = new CountDownLatch(1);
        String key = newKey();
        int before = ScenarioApplication.executions("/slow");
        try {
            CompletableFuture<HttpResponse<String>> first = client.sendAsync(request("/slow", key, "s").build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitExecutions("/slow", before + 1);

            HttpResponse<String> duplicate = post("/slow", key, "s");

            assertProblem(duplicate, 409, "request-in-progress");
            assertThat(duplicate.headers().firstValue("Retry-After")).hasValue("2");
            slowGate.countDown();
            assertThat(first.get().statusCode()).isEqualTo(200);
        }
        finally {
            slowGate.countDown();
        }
        assertThat(post("/slow", key, "s").headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void aRequiredKeyThatIsMissingIsRefusedWith400AndTheHandlerDoesNotRun() throws Exception {
        int before = ScenarioApplication.executions("/required");

        assertProblem(post("/required", null, "x"), 400, "missing-key");
        assertThat(ScenarioApplication.executions("/required")).isEqualTo(before);
    }

    @Test
    void aKeyLongerThanTheLimitIsRefusedWith400() throws Exception {
        assertProblem(post("/orders", "k".repeat(300), ORDER), 400, "invalid-key");
    }

    @Test
    void aBodyLargerThanTheLimitIsRefusedWith413() throws Exception {
        String large = "{\"item\":\"" + "b".repeat(MAX_REQUEST_BYTES) + "\",\"quantity\":1}";

        assertProblem(post("/orders", newKey(), large), 413, "request-too-large");
    }

    @Test
    void aRequestRefusedByValidationNeverClaimsItsKey() throws Exception {
        String key = newKey();

        assertThat(post("/orders", key, "{\"item\":\"\",\"quantity\":0}").statusCode()).isEqualTo(400);

        assertThat(post("/orders", key, ORDER).statusCode()).as("the key was never claimed").isEqualTo(201);
    }

    @Test
    void aServerErrorIsNotStoredSoARetryRunsAgain() throws Exception {
        String key = newKey();
        int before = ScenarioApplication.executions("/failing");

        assertThat(post("/failing", key, "x").statusCode()).isEqualTo(500);
        assertThat(post("/failing", key, "x").statusCode()).isEqualTo(500);

        assertThat(ScenarioApplication.executions("/failing")).isEqualTo(before + 2);
    }

    @Test
    void aClientErrorOfTheHandlerIsStoredAndReplayed() throws Exception {
        assertReplayedOnce("/missing", "x", 404);
    }

    @Test
    void aResponseWithoutABodyIsStoredAndReplayedWithItsHeaders() throws Exception {
        String key = newKey();

        HttpResponse<String> first = post("/empty", key, "x");
        HttpResponse<String> retry = post("/empty", key, "x");

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(retry.statusCode()).isEqualTo(204);
        assertThat(retry.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void aResponseLargerThanTheLimitReachesItsClientAndARetryIsTold409NotReplayable() throws Exception {
        String key = newKey();
        int before = ScenarioApplication.executions("/large");

        HttpResponse<String> first = post("/large", key, "x");
        HttpResponse<String> retry = post("/large", key, "x");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).hasSize(MAX_RESPONSE_BYTES + 1);
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(ScenarioApplication.executions("/large")).isEqualTo(before + 1);
    }

    @Test
    void aRouteProtectedByPathWithoutAnAnnotationIsReplayed() throws Exception {
        assertReplayedOnce("/payments", "10 EUR", 201);
    }

    @Test
    void withoutAKeyAnOptionalRouteRunsEveryTimeAndIsNotReplayed() throws Exception {
        int before = ScenarioApplication.executions("/payments");

        HttpResponse<String> first = post("/payments", null, "10 EUR");
        HttpResponse<String> second = post("/payments", null, "10 EUR");

        assertThat(second.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(second.body()).isNotEqualTo(first.body());
        assertThat(ScenarioApplication.executions("/payments")).isEqualTo(before + 2);
    }

    @Test
    void aStreamingHandlerWithAKeyIsRefusedWith501AndDoesNotRun() throws Exception {
        int before = ScenarioApplication.executions("/stream");

        assertProblem(post("/stream", newKey(), "x"), 501, "streaming-not-supported");
        assertThat(ScenarioApplication.executions("/stream")).isEqualTo(before);
    }

    /** The first answer and the retry of one body sent twice with one key. */
    record Exchange(HttpResponse<String> first, HttpResponse<String> retry) {
    }

    /**
     * Sends {@code body} to {@code path} twice with one new key, and asserts what every replay
     * shares: both answered {@code status}, the retry with the first's body and
     * {@code Idempotent-Replayed: true}, and the handler ran once.
     */
    Exchange assertReplayedOnce(String path, String body, int status) throws Exception {
        String key = newKey();
        int before = ScenarioApplication.executions(path);

        HttpResponse<String> first = post(path, key, body);
        HttpResponse<String> retry = post(path, key, body);

        assertThat(first.statusCode()).isEqualTo(status);
        assertThat(retry.statusCode()).isEqualTo(status);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(ScenarioApplication.executions(path)).isEqualTo(before + 1);
        return new Exchange(first, retry);
    }

    static String newKey() {
        return UUID.randomUUID().toString();
    }

    HttpResponse<String> post(String path, String key, String body) throws IOException, InterruptedException {
        return client.send(request(path, key, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path, String key, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            builder.header("Idempotency-Key", key);
        }
        return builder;
    }

    static void awaitExecutions(String route, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ScenarioApplication.executions(route) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                contentType -> assertThat(contentType).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"type\":\"urn:problem-type:idempotency:" + type + "\"")
                .contains("\"status\":" + status);
    }
}
