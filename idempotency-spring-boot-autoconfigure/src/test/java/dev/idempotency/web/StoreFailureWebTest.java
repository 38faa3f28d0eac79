package dev.idempotency.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.testsupport.StoreProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client sees when the real store behind the application dies or freezes, and once it is
 * back, the application never restarted: fail-closed answers 503 and runs nothing, fail-open runs
 * the handler unprotected and says so. Each backend's subclass starts its server as a process
 * (see {@link StoreProcess}) and is held to the same contract, the long-handler one included.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class StoreFailureWebTest extends LongHandlerWebTest {

    private static final Duration RECOVERY = Duration.ofSeconds(20);

    StoreProcess store;

    /** Starts this backend's server on a free port. */
    protected abstract StoreProcess startStore() throws Exception;

    /** The properties that select this backend and point at {@code store}. */
    protected abstract Map<String, Object> storageProperties(StoreProcess store);

    @Override
    protected void startStorage() throws Exception {
        store = startStore();
    }

    @Override
    protected Map<String, Object> storageProperties() {
        return storageProperties(store);
    }

    @Override
    protected String storageDiagnostics() {
        return "; the store's log ends with:\n" + store.logTail(40);
    }

    @Override
    protected void stopStorage() {
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    void storeAnswers() throws Exception {
        store.ensureRunning();
        awaitServing(port(application));
    }

    @Test
    void aKilledStoreAnswers503AndRunsNothingThenTheSameApplicationServesOnceTheStoreIsBack() throws Exception {
        int port = port(application);
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        store.kill();
        HttpResponse<String> refused = post(port, "/orders", key, ORDER);

        WebTestSupport.assertProblem(refused, 503, "storage-unavailable");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);

        store.restart();
        assertTheRetryRunsOnceAndThenReplays(port, key, before);
    }

    @Test
    void aFrozenStoreAnswers503WithinTheStorageTimeoutAndRunsNothingThenServesOnceThawed() throws Exception {
        int port = port(application);
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> refused;
        long took;
        store.pause();
        try {
            long start = System.nanoTime();
            refused = post(port, "/orders", key, ORDER);
            took = System.nanoTime() - start;
        }
        finally {
            store.resume();
        }

        WebTestSupport.assertProblem(refused, 503, "storage-unavailable");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(Duration.ofNanos(took)).as("answered within a bounded time of the 500 ms storage timeout")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
        assertTheRetryRunsOnceAndThenReplays(port, key, before);
    }

    @Test
    void failOpenRunsTheHandlerUnprotectedWhenTheStoreIsKilledWarnsAndTellsTheListener(CapturedOutput output)
            throws Exception {
        CountingListener listener = new CountingListener();
        try (ConfigurableApplicationContext failOpen = startApplication(
                Map.of("idempotency.storage.failure-mode", "fail-open"), listener)) {
            int port = port(failOpen);
            String key = newKey();
            int before = WebTestApplication.executions("/orders");

            store.kill();
            HttpResponse<String> response = post(port, "/orders", key, ORDER);

            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
            assertThat(listener.failedOpen).hasValue(1);
            List<String> warnings = output.getOut().lines().filter(line -> line.contains("WITHOUT protection")).toList();
            assertThat(warnings).singleElement().satisfies(line -> assertThat(line).contains("WARN")
                    .contains("fail-open").doesNotContain(key));
        }
    }

    /**
     * The client retries its refused request with the same key, as {@code Retry-After} asks: once
     * the store answers (after the lease of a claim the store may have applied after all, during
     * which the retry gets 409), it runs once, and the retry after it is the replay.
     */
    private void assertTheRetryRunsOnceAndThenReplays(int port, String key, int executionsBefore) throws Exception {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        HttpResponse<String> created = post(port, "/orders", key, ORDER);
        while (created.statusCode() != 201) {
            assertThat(created.statusCode()).as("a retry while the store recovers").isIn(503, 409);
            assertThat(System.nanoTime()).as(() -> "served again within " + RECOVERY + storageDiagnostics())
                    .isLessThan(deadline);
            Thread.sleep(200);
            created = post(port, "/orders", key, ORDER);
        }
        HttpResponse<String> replay = post(port, "/orders", key, ORDER);

        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(created.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(executionsBefore + 1);
    }
}
