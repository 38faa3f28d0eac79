package dev.idempotency.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application instances (two contexts, two embedded servers) sharing one real store: a key
 * runs once across both. A backend's test supplies the properties that point both at its store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TwoInstancesSharingOneStoreTest {

    private static final String ORDER = "{\"item\":\"book\",\"quantity\":1}";

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    /** The properties that make an instance use the shared store, unique to this test run. */
    protected abstract Map<String, Object> storeProperties();

    /** Removes what this run wrote to the store; the first instance's context is still open. */
    protected abstract void cleanUp(ConfigurableApplicationContext context) throws Exception;

    /** The application each instance runs: by default the servlet one. */
    protected Class<?>[] application() {
        return new Class<?>[] { WebTestApplication.class };
    }

    /** Properties each instance runs with besides the store's. */
    protected String[] instanceProperties() {
        return new String[0];
    }

    /** How many times the application's {@code POST /orders} handler ran, across both instances. */
    protected int orderExecutions() {
        return WebTestApplication.executions("/orders");
    }

    @BeforeAll
    void startTwoInstances() {
        Map<String, Object> properties = storeProperties();
        for (int i = 0; i < 2; i++) {
            instances.add(new SpringApplicationBuilder(application())
                    .properties(properties)
                    .properties("server.port=0", "spring.main.banner-mode=off")
                    .properties(instanceProperties())
                    .run());
        }
    }

    @AfterAll
    void stopInstances() throws Exception {
        try {
            if (!instances.isEmpty()) {
                cleanUp(instances.get(0));
            }
        }
        finally {
            instances.forEach(ConfigurableApplicationContext::close);
        }
    }

    @Test
    void aHundredConcurrentRequestsWithOneKeyOverTwoInstancesRunTheHandlerOnce() throws Exception {
        String key = UUID.randomUUID().toString();
        int before = orderExecutions();
        int requests = 100;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        try {
            List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int instance = i % 2;
                futures.add(pool.submit(() -> {
                    start.await();
                    return post(instance, key);
                }));
            }
            start.countDown();
            for (Future<HttpResponse<byte[]>> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
        }
        finally {
            pool.shutdownNow();
        }
        assertThat(orderExecutions()).isEqualTo(before + 1);
        List<byte[]> created = responses.stream().filter(r -> r.statusCode() == 201).map(HttpResponse::body).toList();
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(201, 409));
        assertThat(created).isNotEmpty().allSatisfy(body -> assertThat(body).isEqualTo(created.get(0)));
    }

    @Test
    void aRetryOnTheOtherInstanceGetsTheReplay() throws Exception {
        String key = UUID.randomUUID().toString();
        int before = orderExecutions();

        HttpResponse<byte[]> first = post(0, key);
        HttpResponse<byte[]> retry = post(1, key);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(orderExecutions()).isEqualTo(before + 1);
    }

    private HttpResponse<byte[]> post(int instance, String key) throws Exception {
        int port = ((WebServerApplicationContext) instances.get(instance)).getWebServer().getPort();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(ORDER))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
}
