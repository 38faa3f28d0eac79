package dev.idempotency.web;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** Without {@code management.endpoints.web.exposure.include}, only health is exposed: not the operator endpoint. */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IdempotencyEndpointNotExposedWebTest extends WebTestSupport {

    @Test
    void theOperatorEndpointIsNotExposedByDefault() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);

        assertThat(send(HttpRequest.newBuilder(uri("/actuator/idempotency?key=" + key)).GET()).statusCode())
                .isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/idempotency?key=" + key)).DELETE()).statusCode())
                .isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/health")).GET()).body()).contains("\"status\"");
    }
}
