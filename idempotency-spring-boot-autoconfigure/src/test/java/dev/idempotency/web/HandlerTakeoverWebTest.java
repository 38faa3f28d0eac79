package dev.idempotency.web;

import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import dev.idempotency.engine.IdempotencyKeeper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Idempotent(takeover = Takeover.NEVER)} on a handler: once the instance holding a
 * request's key stops renewing it (here its keeper is closed, as in a process that died), a retry
 * after the lease gets 409 {@code outcome-unknown}, while a handler that keeps the default is
 * taken over and runs again. The keeper stays closed, so the context is not reused.
 */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "idempotency.lease=300ms")
@DirtiesContext
class HandlerTakeoverWebTest extends WebTestSupport {

    @Autowired
    IdempotencyKeeper keeper;

    @Test
    void afterTheHolderStoppedARetryIsRefusedForNeverAndRunsAgainForTheDefault() throws Exception {
        String neverKey = newKey();
        String defaultKey = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int neverRuns = WebTestApplication.executions("/slow-never");
        int defaultRuns = WebTestApplication.executions("/slow");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<HttpResponse<byte[]>> never = pool.submit(() -> post("/slow-never", neverKey, "x"));
            Future<HttpResponse<byte[]>> usual = pool.submit(() -> post("/slow", defaultKey, "x"));
            awaitExecutions("/slow-never", neverRuns + 1);
            awaitExecutions("/slow", defaultRuns + 1);

            keeper.close();
            Thread.sleep(700);
            WebTestApplication.slowGate.countDown();

            assertProblem(send(request("/slow-never", neverKey, "x")), 409, "outcome-unknown");
            assertThat(post("/slow", defaultKey, "x").statusCode()).isEqualTo(200);
            assertThat(WebTestApplication.executions("/slow-never")).isEqualTo(neverRuns + 1);
            assertThat(WebTestApplication.executions("/slow")).isEqualTo(defaultRuns + 2);
            never.get(10, TimeUnit.SECONDS);
            usual.get(10, TimeUnit.SECONDS);
        }
        finally {
            WebTestApplication.slowGate.countDown();
            pool.shutdownNow();
        }
    }
}
