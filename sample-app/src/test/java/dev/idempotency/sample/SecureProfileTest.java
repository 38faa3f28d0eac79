package dev.idempotency.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/** The secure profile: basic auth, and one user's key never reaches another user's response. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("secure")
class SecureProfileTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Autowired
    private OrderRepository orders;

    @Test
    void theSameKeyFromAliceAndBobCreatesTwoOrdersAndEachRetryGetsItsOwn() throws Exception {
        String key = UUID.randomUUID().toString();
        int before = orders.findAll().size();

        HttpResponse<String> alice = createOrder("alice:alice-pass", key);
        HttpResponse<String> bob = createOrder("bob:bob-pass", key);
        HttpResponse<String> aliceRetry = createOrder("alice:alice-pass", key);
        HttpResponse<String> bobRetry = createOrder("bob:bob-pass", key);

        assertThat(alice.statusCode()).isEqualTo(201);
        assertThat(bob.statusCode()).isEqualTo(201);
        assertThat(bob.body()).isNotEqualTo(alice.body());
        assertThat(aliceRetry.body()).isEqualTo(alice.body());
        assertThat(bobRetry.body()).isEqualTo(bob.body());
        assertThat(orders.findAll()).hasSize(before + 2);
    }

    @Test
    void anUnauthenticatedRequestIsRefusedAndClaimsNoKey() throws Exception {
        String key = UUID.randomUUID().toString();
        int before = orders.findAll().size();

        HttpResponse<String> anonymous = createOrder(null, key);
        HttpResponse<String> wrongPassword = createOrder("alice:wrong", key);
        HttpResponse<String> alice = createOrder("alice:alice-pass", key);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(wrongPassword.statusCode()).isEqualTo(401);
        assertThat(alice.statusCode()).isEqualTo(201);
        assertThat(alice.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(orders.findAll()).hasSize(before + 1);
    }

    private HttpResponse<String> createOrder(String credentials, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(SampleClient.order("book", 1)));
        if (credentials != null) {
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
