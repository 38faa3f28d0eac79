package dev.idempotency.sample;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static dev.idempotency.sample.SampleClient.header;
import static dev.idempotency.sample.SampleClient.json;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;

/** Pins the order API: creation, replay, the key's rules, failures and reads. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OrderApiTest {

    private static final String PROBLEM_JSON = "application/problem+json";

    @LocalServerPort
    private int port;

    @Autowired
    private OrderService service;

    @Autowired
    private OrderRepository repository;

    private SampleClient client;

    @BeforeEach
    void setUp() {
        client = new SampleClient(port);
    }

    @Test
    void createsAnOrderWith201LocationAndBody() {
        HttpResponse<byte[]> response = client.post("/orders", newKey(), order("book", 2));

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode body = json(response);
        String id = body.get("id").asString();
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(body.get("item").asString()).isEqualTo("book");
        assertThat(body.get("quantity").asInt()).isEqualTo(2);
        assertThat(Instant.parse(body.get("createdAt").asString())).isBeforeOrEqualTo(Instant.now());
        assertThat(header(response, "Location")).isEqualTo("/orders/" + id);
        assertThat(header(response, "Idempotent-Replayed")).isNull();
    }

    @Test
    void retryWithTheSameKeyReplaysTheFirstResponseWithoutCreatingAnotherOrder() {
        String key = newKey();
        int attempts = service.attempts();
        int orders = repository.count();

        HttpResponse<byte[]> first = client.post("/orders", key, order("lamp", 1));
        HttpResponse<byte[]> retry = client.post("/orders", key, order("lamp", 1));

        assertThat(retry.statusCode()).isEqualTo(first.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(header(retry, "Location")).isEqualTo(header(first, "Location")).isNotNull();
        assertThat(header(retry, "Content-Type")).isEqualTo(header(first, "Content-Type"));
        assertThat(header(retry, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(service.attempts()).isEqualTo(attempts + 1);
        assertThat(repository.count()).isEqualTo(orders + 1);
    }

    @Test
    void orderWithoutKeyIsRefusedWith400Problem() {
        int attempts = service.attempts();

        HttpResponse<byte[]> response = client.post("/orders", null, order("pen", 1));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(header(response, "Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(json(response).get("type").asString()).isEqualTo("urn:problem-type:idempotency:missing-key");
        assertThat(service.attempts()).isEqualTo(attempts);
    }

    @Test
    void sameKeyWithAnotherBodyIsRefusedWith422() {
        String key = newKey();
        client.post("/orders", key, order("chair", 1));
        int attempts = service.attempts();

        HttpResponse<byte[]> response = client.post("/orders", key, order("chair", 4));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(header(response, "Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(json(response).get("type").asString()).isEqualTo("urn:problem-type:idempotency:key-reused");
        assertThat(service.attempts()).isEqualTo(attempts);
    }

    @Test
    void invalidBodyIsRefusedWith400ProblemAndTheKeyStaysFree() {
        String key = newKey();
        int attempts = service.attempts();

        HttpResponse<byte[]> invalid = client.post("/orders", key, order("desk", 0));

        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(header(invalid, "Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(service.attempts()).isEqualTo(attempts);

        HttpResponse<byte[]> corrected = client.post("/orders", key, order("desk", 1));

        assertThat(corrected.statusCode()).isEqualTo(201);
        assertThat(header(corrected, "Idempotent-Replayed")).isNull();
        assertThat(service.attempts()).isEqualTo(attempts + 1);
    }

    @Test
    void orderWithoutQuantityIsRefusedWith400Problem() {
        HttpResponse<byte[]> response = client.post("/orders", newKey(), "{\"item\":\"cup\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(header(response, "Content-Type")).startsWith(PROBLEM_JSON);
    }

    @Test
    void failedOrderAnswers500AndReleasesTheKeySoARetryRunsAgain() {
        String key = newKey();
        int attempts = service.attempts();

        HttpResponse<byte[]> first = client.post("/orders", key, order("fail", 1));
        HttpResponse<byte[]> retry = client.post("/orders", key, order("fail", 1));

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(retry.statusCode()).isEqualTo(500);
        assertThat(header(retry, "Idempotent-Replayed")).isNull();
        assertThat(service.attempts()).isEqualTo(attempts + 2);
    }

    @Test
    void quotedAndBareKeysAreTheSameKey() {
        String key = newKey();
        int attempts = service.attempts();

        HttpResponse<byte[]> quoted = client.post("/orders", "\"" + key + "\"", order("mug", 3));
        HttpResponse<byte[]> bare = client.post("/orders", key, order("mug", 3));

        assertThat(quoted.statusCode()).isEqualTo(201);
        assertThat(bare.statusCode()).isEqualTo(201);
        assertThat(header(bare, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(bare.body()).isEqualTo(quoted.body());
        assertThat(service.attempts()).isEqualTo(attempts + 1);
    }

    @Test
    void getsAnOrderById() {
        HttpResponse<byte[]> created = client.post("/orders", newKey(), order("clock", 1));

        HttpResponse<byte[]> response = client.get(header(created, "Location"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(json(created));
    }

    @Test
    void unknownOrderIs404Problem() {
        HttpResponse<byte[]> response = client.get("/orders/" + UUID.randomUUID());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(header(response, "Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(json(response).get("status").asInt()).isEqualTo(404);
    }

    @Test
    void listsCreatedOrders() {
        String first = json(client.post("/orders", newKey(), order("rug", 1))).get("id").asString();
        String second = json(client.post("/orders", newKey(), order("vase", 2))).get("id").asString();

        HttpResponse<byte[]> response = client.get("/orders");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode orders = json(response);
        assertThat(orders.isArray()).isTrue();
        List<String> ids = new ArrayList<>();
        orders.forEach(order -> ids.add(order.get("id").asString()));
        assertThat(ids).contains(first, second);
    }

    private static String newKey() {
        return UUID.randomUUID().toString();
    }
}
