package dev.idempotency.web.scenarios;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP scenarios on WebFlux, served by Netty, with every blocking call of the storage watched
 * for an event-loop thread ({@link EventLoopGuard}); and what only WebFlux handlers return.
 */
@SpringBootTest(classes = { ScenarioApplication.class, ReactiveRoutes.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { HttpScenarios.PATHS, HttpScenarios.PATHS_KEY_OPTIONAL, HttpScenarios.MAX_REQUEST, HttpScenarios.MAX_RESPONSE,
                HttpScenarios.RETRY_AFTER, "spring.main.web-application-type=reactive" })
@Import(EventLoopGuard.Configuration.class)
class WebFluxHttpScenariosTest extends HttpScenarios {

    @Autowired
    EventLoopGuard.Watch guard;

    @Test
    void aMonoOfAResponseEntityIsStoredAndReplayed() throws Exception {
        assertReplayedOnce("/later", "x", 201);
    }

    @Test
    void aClientThatGoesAwayNeitherReleasesTheKeyOfWorkThatRanNorLeavesItInProgress() throws Exception {
        slowGate = new CountDownLatch(1);
        String key = newKey();
        int before = ScenarioApplication.executions("/slow");
        try {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("POST /slow HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 1\r\nIdempotency-Key: " + key
                        + "\r\n\r\ns").getBytes(StandardCharsets.ISO_8859_1));
                awaitExecutions("/slow", before + 1);
            }
            Thread.sleep(200);
        }
        finally {
            slowGate.countDown();
        }

        HttpResponse<String> retry = post("/slow", key, "s");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (retry.body().contains("request-in-progress") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            retry = post("/slow", key, "s");
        }
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(ScenarioApplication.executions("/slow")).isEqualTo(before + 1);
    }

    @Test
    void theGuardTakesTheThreadsHandlersRunOnForEventLoops() throws Exception {
        assertThat(post("/on-event-loop", newKey(), "x").body()).isEqualTo("true");
    }

    @Test
    void noStorageCallBlocksAnEventLoopThread() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);
        post("/orders", key, ORDER);
        post("/later", newKey(), "x");

        assertThat(guard.asyncCalls()).as("claims and completions through the asynchronous form").isGreaterThanOrEqualTo(5);
        assertThat(guard.blockingCallsOnEventLoops()).isEmpty();
    }
}
