package dev.idempotency.web;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configurable HTTP modes: Stripe's store-server-errors, a response size limit, UUID keys,
 * tenant-header scopes and waiting duplicates by default.
 */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "idempotency.web.store-server-errors=true", "idempotency.web.max-response-size=1KB",
                "idempotency.web.key-format=uuid", "idempotency.web.scope=tenant-header",
                "idempotency.in-progress=wait", "idempotency.wait-timeout=300ms" })
class ConfiguredModesWebTest extends WebTestSupport {

    private static final String TENANT = "X-Tenant-Id";

    @Test
    void aResponseAboveTheLimitIsSentOnceAndARetryGets409InsteadOfASecondExecution() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/big");

        HttpResponse<String> first = send(request("/big", key, "").header(TENANT, "t1"));
        HttpResponse<String> retry = send(request("/big", key, "").header(TENANT, "t1"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).hasSizeGreaterThan(2048);
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(retry.headers().firstValue("Retry-After")).isEmpty();
        assertThat(WebTestApplication.executions("/big")).isEqualTo(before + 1);
    }

    @Test
    void aResponseAboveTheLimitStreamsOnToTheClientWhileItIsWrittenAndIsNeverRunAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/big-stream");
        WebTestApplication.streamGate = new CountDownLatch(1);
        try {
            CompletableFuture<HttpResponse<InputStream>> first = client.sendAsync(
                    request("/big-stream", key, "").header(TENANT, "t1").build(), HttpResponse.BodyHandlers.ofInputStream());

            InputStream body = first.get(10, TimeUnit.SECONDS).body();
            assertThat(body.readNBytes(4 * 1024)).hasSize(4 * 1024);
            WebTestApplication.streamGate.countDown();
            assertThat(body.readAllBytes()).hasSize(4 * 1024);
        }
        finally {
            WebTestApplication.streamGate.countDown();
        }

        HttpResponse<String> retry = retryWhileInProgress(() -> request("/big-stream", key, "").header(TENANT, "t1"));
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(WebTestApplication.executions("/big-stream")).isEqualTo(before + 1);
    }

    @Test
    void anEscapingExceptionIsStoredAsA500ProblemAndReplayed() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/boom");

        HttpResponse<String> first = send(request("/boom", key, "").header(TENANT, "t1"));
        HttpResponse<String> retry = send(request("/boom", key, "").header(TENANT, "t1"));

        assertProblem(first, 500, "handler-failed");
        assertThat(first.body()).doesNotContain("IllegalStateException");
        assertThat(retry.statusCode()).isEqualTo(500);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/boom")).isEqualTo(before + 1);
    }

    @Test
    void aServerErrorResponseIsStoredAndReplayed() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/status/503");

        HttpResponse<String> first = send(request("/status/503", key, "").header(TENANT, "t1"));
        HttpResponse<String> retry = send(request("/status/503", key, "").header(TENANT, "t1"));

        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(retry.statusCode()).isEqualTo(503);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/status/503")).isEqualTo(before + 1);
    }

    @Test
    void aKeyThatIsNotAUuidIsRefusedWith400SayingTheExpectedFormat() throws Exception {
        HttpResponse<String> response = send(request("/orders", "not-a-uuid", ORDER).header(TENANT, "t1"));

        assertProblem(response, 400, "invalid-key");
        assertThat(response.body()).contains("UUID");
    }

    @Test
    void withoutTheTenantHeaderAKeyedRequestIsRefusedWith400() throws Exception {
        assertProblem(send(request("/orders", newKey(), ORDER)), 400, "missing-scope");
    }

    @Test
    void theSameKeyFromTwoTenantsRunsTwice() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> first = send(request("/orders", key, ORDER).header(TENANT, "t1"));
        HttpResponse<String> second = send(request("/orders", key, ORDER).header(TENANT, "t2"));
        HttpResponse<String> retry = send(request("/orders", key, ORDER).header(TENANT, "t1"));

        assertThat(second.body()).isNotEqualTo(first.body());
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 2);
    }

    @Test
    void aWaitingDuplicateGets409WhenTheWaitRunsOut() throws Exception {
        String key = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int before = WebTestApplication.executions("/slow");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<byte[]>> first = pool.submit(() -> send(request("/slow", key, "x").header(TENANT, "t1")
                    .build(), byteBody()));
            awaitExecutions("/slow", before + 1);

            long started = System.nanoTime();
            HttpResponse<String> duplicate = send(request("/slow", key, "x").header(TENANT, "t1"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertProblem(duplicate, 409, "request-in-progress");
            assertThat(waitedMillis).isGreaterThanOrEqualTo(300);
            WebTestApplication.slowGate.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        finally {
            WebTestApplication.slowGate.countDown();
            pool.shutdownNow();
        }
    }
}
