package dev.idempotency.web;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The idempotency health contributor and operator endpoint, through the actuator's web layer. */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "management.endpoints.web.exposure.include=health,idempotency",
                "management.endpoint.health.show-details=always" })
class IdempotencyActuatorWebTest extends WebTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void theHealthContributorIsUpAndNamesTheStorage() throws Exception {
        HttpResponse<String> health = get("/actuator/health/idempotency");

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.get("status").asString()).isEqualTo("UP");
        assertThat(body.get("details").get("storage").asString()).isEqualTo("memory");
    }

    @Test
    void aCompletedKeyShowsItsStatusTimesAndResponseStatusButNotItsBody() throws Exception {
        String key = newKey();
        Instant before = Instant.now();
        assertThat(post("/orders", key, ORDER).statusCode()).isEqualTo(201);

        HttpResponse<String> read = get("/actuator/idempotency?key=" + key + "&scope=");

        assertThat(read.statusCode()).isEqualTo(200);
        JsonNode state = JSON.readTree(read.body());
        assertThat(state.get("status").asString()).isEqualTo("completed");
        assertThat(state.get("responseStatus").asInt()).isEqualTo(201);
        assertThat(Instant.parse(state.get("claimedAt").asString())).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(Instant.parse(state.get("expiresAt").asString())).isAfter(Instant.now().plusSeconds(3600));
        assertThat(state.has("body")).isFalse();
        assertThat(read.body()).doesNotContain("book");
    }

    @Test
    void theBodyIsShownBase64EncodedOnlyWhenAskedFor() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> created = post("/orders", key, ORDER);

        HttpResponse<String> read = get("/actuator/idempotency?key=" + key + "&includeBody=true");

        assertThat(read.statusCode()).isEqualTo(200);
        byte[] body = Base64.getDecoder().decode(JSON.readTree(read.body()).get("body").asString());
        assertThat(body).isEqualTo(created.body());
    }

    @Test
    void aKeyIsAddressedWithThePrincipalAsItsScope() throws Exception {
        String key = newKey();
        HttpResponse<String> created = send(request("/orders", key, ORDER).header("X-User", "alice"));
        assertThat(created.statusCode()).isEqualTo(201);

        assertThat(get("/actuator/idempotency?key=" + key + "&scope=alice").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/idempotency?key=" + key).statusCode()).isEqualTo(404);
        assertThat(get("/actuator/idempotency?key=" + key + "&scope=bob").statusCode()).isEqualTo(404);
    }

    @Test
    void anUnknownKeyIs404() throws Exception {
        assertThat(get("/actuator/idempotency?key=" + newKey()).statusCode()).isEqualTo(404);
    }

    @Test
    void theKeyParameterIsRequired() throws Exception {
        assertThat(get("/actuator/idempotency").statusCode()).isEqualTo(400);
    }

    @Test
    void aKeyWhoseRequestStillRunsIsShownInProgressWithoutAResponse() throws Exception {
        String key = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int before = WebTestApplication.executions("/slow");
        CompletableFuture<HttpResponse<byte[]>> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return post("/slow", key, "slow");
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        try {
            awaitExecutions("/slow", before + 1);

            JsonNode state = JSON.readTree(get("/actuator/idempotency?key=" + key).body());

            assertThat(state.get("status").asString()).isEqualTo("in_progress");
            assertThat(state.has("claimedAt")).isTrue();
            assertThat(state.has("responseStatus")).isFalse();
        }
        finally {
            WebTestApplication.slowGate.countDown();
        }
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void deletingAKeyEvictsItSoThatARetryRunsAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");
        post("/orders", key, ORDER);

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/actuator/idempotency?key=" + key)).DELETE());
        HttpResponse<byte[]> retry = post("/orders", key, ORDER);

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(deleted.body()).get("evicted").asBoolean()).isTrue();
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 2);
    }

    @Test
    void deletingAnUnknownKeyEvictsNothing() throws Exception {
        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/actuator/idempotency?key=" + newKey()))
                .DELETE());

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(deleted.body()).get("evicted").asBoolean()).isFalse();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }
}
