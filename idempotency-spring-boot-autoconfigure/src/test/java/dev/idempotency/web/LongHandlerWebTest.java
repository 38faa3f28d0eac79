package dev.idempotency.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.engine.IdempotencyListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler about three times slower than its lease, retried with its key every 100 ms while it
 * runs: the lease is renewed in the background, so the handler runs once, every retry meanwhile
 * gets 409, and a retry once it has finished gets the replay. Each storage's subclass supplies the
 * properties that select it, and is held to the same contract.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LongHandlerWebTest {

    static final Duration LEASE = Duration.ofMillis(600);
    static final Duration STORAGE_TIMEOUT = Duration.ofMillis(500);
    static final String ORDER = "{\"item\":\"book\",\"quantity\":1}";
    private static final Duration RETRY_EVERY = Duration.ofMillis(100);
    /** Over three leases: without renewal a retry would take the key over and run the handler again. */
    private static final Duration SLOW_HANDLER_RUNS = Duration.ofMillis(2000);

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Told of what the engine of {@link #application} reports. */
    final CountingListener events = new CountingListener();
    ConfigurableApplicationContext application;

    /** The properties that select the storage under test and point at it. */
    protected abstract Map<String, Object> storageProperties();

    /** Starts what the storage needs before the application starts; nothing by default. */
    protected void startStorage() throws Exception {
    }

    /** Configuration classes the applications start with besides {@link WebTestApplication}; none by default. */
    protected Class<?>[] extraSources() {
        return new Class<?>[0];
    }

    /** What the storage says of itself, for a failure message; nothing by default. */
    protected String storageDiagnostics() {
        return "";
    }

    /** Stops what {@link #startStorage()} started, after the applications closed. */
    protected void stopStorage() {
    }

    @BeforeAll
    void startStorageAndApplication() throws Exception {
        startStorage();
        application = startApplication(Map.of(), events);
    }

    @AfterAll
    void stopApplicationAndStorage() {
        try {
            if (application != null) {
                application.close();
            }
        }
        finally {
            stopStorage();
        }
    }

    @Test
    void aHandlerSlowerThanThreeLeasesRunsOnceWhileRetriedAndTheRetryAfterItGetsTheReplay() throws Exception {
        int port = port(application);
        awaitServing(port);
        String key = newKey();
        int before = WebTestApplication.executions("/slow");
        int leasesLost = events.leaseLost.get();
        int abandoned = events.completionAbandoned.get();
        WebTestApplication.slowGate = new CountDownLatch(1);
        ScheduledExecutorService retrier = Executors.newSingleThreadScheduledExecutor();
        try {
            CompletableFuture<HttpResponse<String>> first = client.sendAsync(request(port, "/slow", key, "x"),
                    HttpResponse.BodyHandlers.ofString());
            awaitExecutions("/slow", before + 1);

            List<CompletableFuture<HttpResponse<String>>> retries = new CopyOnWriteArrayList<>();
            retrier.scheduleAtFixedRate(() -> retries.add(client.sendAsync(request(port, "/slow", key, "x"),
                    HttpResponse.BodyHandlers.ofString())), 0, RETRY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            Thread.sleep(SLOW_HANDLER_RUNS.toMillis());
            retrier.shutdown();
            assertThat(retrier.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(WebTestApplication.executions("/slow")).as("runs of the handler while retried")
                    .isEqualTo(before + 1);
            for (CompletableFuture<HttpResponse<String>> retry : retries) {
                HttpResponse<String> response = retry.get(10, TimeUnit.SECONDS);
                WebTestSupport.assertProblem(response, 409, "request-in-progress");
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
            }
            assertThat(retries).hasSizeGreaterThanOrEqualTo(10);
            assertThat(first).isNotDone();

            WebTestApplication.slowGate.countDown();
            HttpResponse<String> answer = first.get(10, TimeUnit.SECONDS);
            HttpResponse<String> replay = post(port, "/slow", key, "x");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("slow done");
            assertThat(replay.statusCode()).isEqualTo(200);
            assertThat(replay.body()).isEqualTo("slow done");
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(WebTestApplication.executions("/slow")).isEqualTo(before + 1);
            assertThat(events.leaseLost).hasValue(leasesLost);
            assertThat(events.completionAbandoned).hasValue(abandoned);
        }
        finally {
            WebTestApplication.slowGate.countDown();
            retrier.shutdownNow();
        }
    }

    /**
     * Starts a {@link WebTestApplication} on the storage under test, with a storage timeout of
     * 500 ms, a lease of 600 ms and {@code Retry-After: 1}; {@code listener} becomes a bean.
     */
    ConfigurableApplicationContext startApplication(Map<String, Object> extraProperties, IdempotencyListener listener) {
        Map<String, Object> properties = new HashMap<>(storageProperties());
        properties.put("server.port", 0);
        properties.put("spring.main.banner-mode", "off");
        properties.put("idempotency.storage.timeout", STORAGE_TIMEOUT.toMillis() + "ms");
        properties.put("idempotency.lease", LEASE.toMillis() + "ms");
        properties.put("idempotency.web.retry-after", "1s");
        properties.putAll(extraProperties);
        ApplicationContextInitializer<ConfigurableApplicationContext> registerListener = context -> context
                .getBeanFactory().registerSingleton("testIdempotencyListener", listener);
        return new SpringApplicationBuilder(WebTestApplication.class).sources(extraSources()).properties(properties)
                .initializers(registerListener)
                .run();
    }

    /** Sends keyed orders until one is created: the application and its storage answer. */
    void awaitServing(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (post(port, "/orders", newKey(), ORDER).statusCode() != 201) {
            assertThat(System.nanoTime()).as(() -> "the application serves again within 20 s" + storageDiagnostics())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    HttpResponse<String> post(int port, String path, String key, String body) throws Exception {
        return client.send(request(port, path, key, body), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(int port, String path, String key, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static void awaitExecutions(String route, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (WebTestApplication.executions(route) < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(WebTestApplication.executions(route)).isEqualTo(expected);
    }

    static String newKey() {
        return UUID.randomUUID().toString();
    }

    /** Counts what the engine tells its listeners. */
    static final class CountingListener implements IdempotencyListener {

        final AtomicInteger failedOpen = new AtomicInteger();
        final AtomicInteger leaseLost = new AtomicInteger();
        final AtomicInteger completionAbandoned = new AtomicInteger();

        @Override
        public void failedOpen(String keyLabel) {
            failedOpen.incrementAndGet();
        }

        @Override
        public void leaseLost(String keyLabel) {
            leaseLost.incrementAndGet();
        }

        @Override
        public void completionAbandoned(String keyLabel) {
            completionAbandoned.incrementAndGet();
        }
    }
}
