package dev.idempotency.sample;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static dev.idempotency.sample.SampleClient.header;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Pins the answer to a retry sent while the first request with its key is still running. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.orders.processing-delay=1s")
class OrderInProgressTest {

    @LocalServerPort
    private int port;

    @Autowired
    private OrderService service;

    @Test
    void retryWhileTheFirstRequestRunsIsRefusedWith409AndRetryAfter() {
        SampleClient client = new SampleClient(port);
        String key = UUID.randomUUID().toString();
        int attempts = service.attempts();

        CompletableFuture<HttpResponse<byte[]>> first = client.postAsync("/orders", key, order("piano", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> service.attempts() > attempts);
        HttpResponse<byte[]> retry = client.post("/orders", key, order("piano", 1));

        assertThat(retry.statusCode()).isEqualTo(409);
        assertThat(header(retry, "Retry-After")).isEqualTo("1");
        assertThat(header(retry, "Content-Type")).startsWith("application/problem+json");
        assertThat(first.join().statusCode()).isEqualTo(201);

        HttpResponse<byte[]> afterCompletion = client.post("/orders", key, order("piano", 1));

        assertThat(afterCompletion.statusCode()).isEqualTo(201);
        assertThat(header(afterCompletion, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(afterCompletion.body()).isEqualTo(first.join().body());
        assertThat(service.attempts()).isEqualTo(attempts + 1);
    }
}
