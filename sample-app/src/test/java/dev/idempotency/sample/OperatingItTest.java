package dev.idempotency.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static dev.idempotency.sample.SampleClient.json;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;

/** The README's "Operating it": health, metrics and the idempotency endpoint on the management port. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OperatingItTest {

    @LocalServerPort
    private int port;

    @LocalManagementPort
    private int managementPort;

    @Autowired
    private OrderService service;

    private SampleClient api;
    private SampleClient management;

    @BeforeEach
    void setUp() {
        api = new SampleClient(port);
        management = new SampleClient(managementPort);
    }

    @Test
    void actuatorAnswersOnTheManagementPortOnly() {
        assertThat(managementPort).isNotEqualTo(port);
        assertThat(management.get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(api.get("/actuator/health").statusCode()).isNotEqualTo(200);
    }

    @Test
    void healthShowsTheStorageAndReadinessButNotLivenessDependsOnIt() {
        JsonNode health = json(management.get("/actuator/health"));
        JsonNode readiness = json(management.get("/actuator/health/readiness"));
        JsonNode liveness = json(management.get("/actuator/health/liveness"));

        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("idempotency").get("details").get("storage").asString())
                .isEqualTo("memory");
        assertThat(readiness.get("components").has("idempotency")).isTrue();
        assertThat(liveness.toString()).doesNotContain("idempotency");
    }

    @Test
    void replaysAreCountedInTheRequestsMetric() {
        String key = UUID.randomUUID().toString();
        api.post("/orders", key, order("book", 1));
        api.post("/orders", key, order("book", 1));

        JsonNode replayed = json(management.get("/actuator/metrics/idempotency.requests?tag=outcome:replayed"));
        JsonNode claims = json(management.get("/actuator/metrics/idempotency.storage?tag=operation:claim"));

        assertThat(replayed.get("measurements").get(0).get("statistic").asString()).isEqualTo("COUNT");
        assertThat(replayed.get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1);
        assertThat(claims.get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anOperatorReadsAKeyThenEvictsItSoThatARetryRunsAgain() throws Exception {
        String key = UUID.randomUUID().toString();
        api.post("/orders", key, order("lamp", 1));
        int attempts = service.attempts();

        JsonNode state = json(management.get("/actuator/idempotency?key=" + key));
        HttpResponse<String> evicted = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://localhost:" + managementPort + "/actuator/idempotency?key=" + key))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<byte[]> retry = api.post("/orders", key, order("lamp", 1));

        assertThat(state.get("status").asString()).isEqualTo("completed");
        assertThat(state.get("responseStatus").asInt()).isEqualTo(201);
        assertThat(state.has("body")).isFalse();
        assertThat(evicted.statusCode()).isEqualTo(200);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(service.attempts()).isEqualTo(attempts + 1);
    }
}
