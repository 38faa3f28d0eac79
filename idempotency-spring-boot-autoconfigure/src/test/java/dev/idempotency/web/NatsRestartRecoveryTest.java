package dev.idempotency.web;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.nats.client.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.testsupport.StoreProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection the starter builds itself (idempotency.storage.nats.servers, no Connection bean
 * of the application): after each of a dozen NATS restarts, keyed requests are served again within
 * 10 s. Without a ping interval tied to idempotency.storage.timeout, some restarts left the
 * connection CONNECTED but deaf, and every request got 503 until jnats' default two-minute ping
 * noticed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NatsRestartRecoveryTest {

    private StoreProcess nats;
    private ConfigurableApplicationContext application;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        nats = StoreProcess.natsJetStream();
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", 0);
        properties.put("idempotency.storage.type", "nats");
        properties.put("idempotency.storage.nats.servers", nats.url("nats"));
        properties.put("idempotency.storage.timeout", "500ms");
        application = new SpringApplicationBuilder(WebTestApplication.class).properties(properties).run();
    }

    @AfterAll
    void stop() {
        try {
            if (application != null) {
                application.close();
            }
        }
        finally {
            nats.close();
        }
    }

    @Test
    void afterEveryRestartOfNatsKeyedRequestsAreServedAgainWithinTenSeconds() throws Exception {
        int port = LongHandlerWebTest.port(application);
        for (int restart = 1; restart <= 12; restart++) {
            nats.kill();
            nats.restart();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            HttpResponse<String> response;
            do {
                response = client.send(LongHandlerWebTest.request(port, "/orders", LongHandlerWebTest.newKey(),
                        LongHandlerWebTest.ORDER), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 201) {
                    break;
                }
                Thread.sleep(100);
            }
            while (System.nanoTime() < deadline);
            int attempt = restart;
            assertThat(response.statusCode()).as(() -> "served within 10 s after restart " + attempt
                    + "; the NATS connection is " + application.getBean(Connection.class).getStatus())
                    .isEqualTo(201);
        }
    }
}
