package dev.idempotency.sample;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** With idempotency.enabled=false the sample still starts, and orders run without a key. */
class IdempotencyDisabledTest {

    @Test
    void theSampleStartsAndServesWithIdempotencyOff() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--idempotency.enabled=false")) {
            SampleClient client = new SampleClient(((WebServerApplicationContext) context).getWebServer().getPort());

            HttpResponse<byte[]> response = client.post("/orders", null, SampleClient.order("book", 1));

            assertThat(response.statusCode()).isEqualTo(201);
        }
    }
}
