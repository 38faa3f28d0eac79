package com.example.orders;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.storage.IdempotencyStorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The application reaches its protected endpoint on each storage: the first request runs, the
 * retry is the replay, and the key reused with another body is refused with 422. Its message
 * listener charges a redelivered message once. The servers are the ones the project's own tests
 * use: IDEMPOTENCY_TEST_REDIS_URL, IDEMPOTENCY_TEST_NATS_URL and IDEMPOTENCY_TEST_POSTGRES_URL (the
 * application's database, {@code test}), else the default ports on 127.0.0.1.
 */
class ProtectedEndpointTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String NATS_URL = environment("IDEMPOTENCY_TEST_NATS_URL", "nats://127.0.0.1:4222");
    private static final String REDIS_URL = environment("IDEMPOTENCY_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    private static final String DATABASE_URL = "jdbc:"
            + environment("IDEMPOTENCY_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432") + "/test";
    private static final String TABLE = "new_application_" + RUN;
    private static final String BUCKET = "new-application-" + RUN;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    abstract static class Scenario {

        @DynamicPropertySource
        static void servers(DynamicPropertyRegistry registry) {
            registry.add("spring.data.redis.url", () -> REDIS_URL);
            registry.add("idempotency.storage.nats.servers", () -> NATS_URL);
            registry.add("idempotency.storage.nats.bucket", () -> BUCKET);
            registry.add("spring.datasource.url", () -> DATABASE_URL);
            registry.add("spring.datasource.username", () -> "postgres");
            registry.add("idempotency.storage.jdbc.table-name", () -> TABLE);
        }

        @Value("${local.server.port}")
        int port;

        @Autowired
        IdempotencyStorage storage;

        @Autowired
        PaymentListener listener;

        @Autowired
        CountingPaymentGateway gateway;

        abstract String expectedStorage();

        @Test
        void theRetryIsTheReplayAndAReusedKeyWithAnotherBodyIs422() throws Exception {
            String key = UUID.randomUUID().toString();
            assertThat(storage.name()).isEqualTo(expectedStorage());

            HttpResponse<String> first = post(key, "{\"item\":\"book\",\"quantity\":2}");
            HttpResponse<String> retry = post(key, "{\"item\":\"book\",\"quantity\":2}");
            HttpResponse<String> reused = post(key, "{\"item\":\"pen\",\"quantity\":1}");

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(retry.statusCode()).isEqualTo(201);
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(retry.body()).isEqualTo(first.body());
            assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
            assertThat(reused.statusCode()).isEqualTo(422);
            assertThat(reused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(reused.body()).contains("key-reused");
            // The handler numbers its orders: the next id follows the first, so the retry and the reused key created none.
            long firstId = orderId(first);
            HttpResponse<String> next = post(UUID.randomUUID().toString(), "{\"item\":\"book\",\"quantity\":2}");
            assertThat(orderId(next)).isEqualTo(firstId + 1);
        }

        @Test
        void aRedeliveredMessageIsChargedOnceAndItsIdWithAnotherPaymentIsRefused() {
            PaymentRequested message = new PaymentRequested("payment-" + UUID.randomUUID(), new BigDecimal("12.50"));
            long before = gateway.charges();

            Receipt first = listener.onPaymentRequested(message);
            Receipt redelivered = listener.onPaymentRequested(message);

            assertThat(redelivered).isEqualTo(first);
            assertThat(gateway.charges()).isEqualTo(before + 1);
            assertThatThrownBy(() -> listener.onPaymentRequested(
                    new PaymentRequested(message.paymentId(), new BigDecimal("99.00"))))
                    .isInstanceOf(IdempotencyKeyReusedException.class);
            assertThat(gateway.charges()).isEqualTo(before + 1);
        }

        private static long orderId(HttpResponse<String> created) {
            assertThat(created.statusCode()).isEqualTo(201);
            String location = created.headers().firstValue("Location").orElseThrow();
            return Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
        }

        private HttpResponse<String> post(String key, String body) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
    class InMemory extends Scenario {

        @Override
        String expectedStorage() {
            return "memory";
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "idempotency.storage.type=redis", "idempotency.key-prefix=new-application-${random.uuid}.",
            "idempotency.ttl=1m" })
    class OnRedis extends Scenario {

        @Override
        String expectedStorage() {
            return "redis";
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "idempotency.storage.type=nats")
    class OnNats extends Scenario {

        @Override
        String expectedStorage() {
            return "nats";
        }
    }

    /** On PostgreSQL the table must exist before start-up: the README's initialize-schema creates it. */
    @Nested
    @SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
            "idempotency.storage.type=jdbc", "idempotency.storage.jdbc.initialize-schema=always" })
    class OnJdbc extends Scenario {

        @Override
        String expectedStorage() {
            return "jdbc";
        }
    }

    @AfterAll
    static void removeTheBucketAndTheTable() throws Exception {
        try (Connection nats = Nats.connect(NATS_URL)) {
            if (nats.keyValueManagement().getBucketNames().contains(BUCKET)) {
                nats.keyValueManagement().delete(BUCKET);
            }
        }
        try (java.sql.Connection database = DriverManager.getConnection(DATABASE_URL, "postgres", "");
                Statement statement = database.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    private static String environment(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
