package dev.idempotency.sample;

import java.net.http.HttpResponse;
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
import static dev.idempotency.sample.SampleClient.payment;
import static org.assertj.core.api.Assertions.assertThat;

/** Pins the payment API, protected by configured paths only and with the key optional. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PaymentApiTest {

    @LocalServerPort
    private int port;

    @Autowired
    private PaymentRepository repository;

    private SampleClient client;

    @BeforeEach
    void setUp() {
        client = new SampleClient(port);
    }

    @Test
    void paymentsWithoutKeyRunEachTime() {
        int payments = repository.count();

        HttpResponse<byte[]> first = client.post("/payments", null, payment("order-1", "12.50"));
        HttpResponse<byte[]> second = client.post("/payments", null, payment("order-1", "12.50"));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(json(second).get("id")).isNotEqualTo(json(first).get("id"));
        assertThat(header(second, "Idempotent-Replayed")).isNull();
        assertThat(repository.count()).isEqualTo(payments + 2);
    }

    @Test
    void paymentWithKeyIsCreatedOnceAndReplayed() {
        String key = UUID.randomUUID().toString();
        int payments = repository.count();

        HttpResponse<byte[]> first = client.post("/payments", key, payment("order-2", "99.90"));
        HttpResponse<byte[]> retry = client.post("/payments", key, payment("order-2", "99.90"));

        assertThat(first.statusCode()).isEqualTo(201);
        JsonNode body = json(first);
        assertThat(body.get("id").asString()).isNotBlank();
        assertThat(body.get("orderId").asString()).isEqualTo("order-2");
        assertThat(body.get("amount").decimalValue()).isEqualByComparingTo("99.90");
        assertThat(body.get("createdAt").asString()).isNotBlank();
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(header(retry, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(repository.count()).isEqualTo(payments + 1);
    }
}
