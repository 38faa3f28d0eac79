package dev.idempotency.web;

import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Async handlers whose work outlives {@code spring.mvc.async.request-timeout}: the key stays held
 * until the work itself ends, the timed-out client and its retries get 409 meanwhile, and the
 * work's end decides the key: recorded as processed when it succeeded, released when it failed.
 * A {@code DeferredResult} set after its timeout is discarded by Spring, so that work's end
 * cannot be seen: it is recorded as processed when it times out.
 */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.mvc.async.request-timeout=500ms")
class AsyncTimeoutWebTest extends WebTestSupport {

    @BeforeEach
    void holdTheLateWork() {
        WebTestApplication.lateGate = new CountDownLatch(1);
    }

    @AfterEach
    void releaseTheLateWork() {
        WebTestApplication.lateGate.countDown();
    }

    @ParameterizedTest
    @ValueSource(strings = { "/late-future", "/late-callable" })
    void workThatOutlivesTheTimeoutHoldsItsKeyAndIsNeverRunAgain(String path) throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions(path);

        HttpResponse<String> timedOut = send(request(path, key, ""));
        HttpResponse<String> retryWhileItRuns = send(request(path, key, ""));
        WebTestApplication.lateGate.countDown();
        HttpResponse<String> retryAfterItEnded = retryWhileInProgress(path, key);

        assertProblem(timedOut, 409, "request-in-progress");
        assertProblem(retryWhileItRuns, 409, "request-in-progress");
        assertProblem(retryAfterItEnded, 409, "response-not-replayable");
        assertThat(WebTestApplication.executions(path)).isEqualTo(before + 1);
    }

    @Test
    void aDeferredResultThatTimesOutIsRecordedAsProcessedAndNeverRunsAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/late-deferred");

        HttpResponse<String> timedOut = send(request("/late-deferred", key, ""));
        HttpResponse<String> retryWhileItRuns = retryWhileInProgress("/late-deferred", key);
        WebTestApplication.lateGate.countDown();
        HttpResponse<String> retryAfterItEnded = send(request("/late-deferred", key, ""));

        assertProblem(timedOut, 409, "request-in-progress");
        assertProblem(retryWhileItRuns, 409, "response-not-replayable");
        assertProblem(retryAfterItEnded, 409, "response-not-replayable");
        assertThat(WebTestApplication.executions("/late-deferred")).isEqualTo(before + 1);
    }

    @Test
    void workThatFailsAfterTheTimeoutReleasesItsKeySoARetryRunsAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/late-failure");

        HttpResponse<String> timedOut = send(request("/late-failure", key, ""));
        HttpResponse<String> retryWhileItRuns = send(request("/late-failure", key, ""));
        WebTestApplication.lateGate.countDown();
        HttpResponse<String> retryAfterItFailed = retryWhileInProgress("/late-failure", key);

        assertProblem(timedOut, 409, "request-in-progress");
        assertProblem(retryWhileItRuns, 409, "request-in-progress");
        assertThat(retryAfterItFailed.statusCode()).isEqualTo(503);
        assertThat(WebTestApplication.executions("/late-failure")).isEqualTo(before + 2);
    }

    private HttpResponse<String> retryWhileInProgress(String path, String key) throws Exception {
        return retryWhileInProgress(() -> request(path, key, ""));
    }
}
