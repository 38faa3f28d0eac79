package dev.idempotency.web;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "idempotency.web.paths=/payments,/stream", "idempotency.web.key-required=false",
                "idempotency.web.retry-after=2s", "idempotency.web.documentation-url=" + WebTestSupport.DOCUMENTATION })
class IdempotencyWebTest extends WebTestSupport {

    @Test
    void aRetryReplaysTheFirstResponseWithoutRunningTheHandlerAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<byte[]> first = post("/orders", key, ORDER);
        HttpResponse<byte[]> retry = post("/orders", key, ORDER);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(retry.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
    }

    @Test
    void aReplayCarriesEveryValueOfAnAllowlistedHeaderInOrder() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = post("/orders", key, ORDER);
        HttpResponse<byte[]> retry = post("/orders", key, ORDER);

        assertThat(first.headers().allValues("Link")).hasSize(2);
        assertThat(retry.headers().allValues("Link")).isEqualTo(first.headers().allValues("Link"));
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void aReplayNeverCarriesCookiesDatesOrHeadersOffTheAllowlist() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = post("/orders", key, ORDER);
        HttpResponse<byte[]> retry = post("/orders", key, ORDER);

        assertThat(first.headers().firstValue("Set-Cookie")).isPresent();
        assertThat(first.headers().firstValue("X-Not-Allowlisted")).isPresent();
        assertThat(retry.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(retry.headers().firstValue("X-Not-Allowlisted")).isEmpty();
        assertThat(retry.headers().allValues("Date")).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aQuotedStructuredFieldKeyAndTheSameBareKeyAreOneKey() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<byte[]> quoted = post("/orders", "\"" + key + "\"", ORDER);
        HttpResponse<byte[]> bare = post("/orders", key, ORDER);

        assertThat(quoted.statusCode()).isEqualTo(201);
        assertThat(bare.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
    }

    @Test
    void aMissingKeyIsRefusedWith400ProblemAndTheHandlerDoesNotRun() throws Exception {
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> response = send(request("/orders", null, ORDER));

        assertProblem(response, 400, "missing-key");
        assertThat(response.body()).contains("Idempotency-Key");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @Test
    void malformedKeysAreRefusedWith400Problem() throws Exception {
        int before = WebTestApplication.executions("/orders");
        List<String> invalid = List.of("\"\"", "k".repeat(256), "ab\tcd", "a b", "\"unterminated", "a,b");
        for (String key : invalid) {
            HttpResponse<String> response = send(request("/orders", key, ORDER));
            assertThat(response.statusCode()).as("key <%s>", key).isEqualTo(400);
            assertProblem(response, 400, "invalid-key");
        }
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @Test
    void keysWithRawControlOrNonAsciiBytesAreRefusedWith400() throws Exception {
        int before = WebTestApplication.executions("/orders");
        for (byte[] key : List.of(new byte[] { 'a', 0x01, 'b' }, new byte[] { 'c', 'a', 'f', (byte) 0xC3, (byte) 0xA9 },
                new byte[] { 'a', 0x7F })) {
            String response = rawPost("/orders", key, ORDER);
            // The container may refuse the header line itself; either way it is a 400 and nothing runs.
            assertThat(response).startsWith("HTTP/1.1 400");
        }
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @Test
    void aKeyOfExactlyTheMaximumLengthIsAccepted() throws Exception {
        HttpResponse<byte[]> response = post("/orders", "k".repeat(219) + UUID.randomUUID(), ORDER);
        assertThat(response.statusCode()).isEqualTo(201);
    }

    @Test
    void twoKeyHeaderLinesAreRefusedWith400Problem() throws Exception {
        HttpRequest twoLines = HttpRequest.newBuilder(uri("/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", newKey())
                .header("Idempotency-Key", newKey())
                .POST(HttpRequest.BodyPublishers.ofString(ORDER))
                .build();
        assertProblem(send(twoLines), 400, "invalid-key");
    }

    @Test
    void theSameKeyWithAnotherPayloadIsRefusedWith422Problem() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> response = send(request("/orders", key, "{\"item\":\"pen\",\"quantity\":1}"));

        assertProblem(response, 422, "key-reused");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @Test
    void theSameKeyOnAnotherPathIsRefusedWith422Problem() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);
        assertProblem(send(request("/created", key, ORDER)), 422, "key-reused");
    }

    @Test
    void aDuplicateWhileTheFirstStillRunsGets409WithRetryAfterAndThenTheReplay() throws Exception {
        String key = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int before = WebTestApplication.executions("/slow");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<byte[]>> first = pool.submit(() -> post("/slow", key, "x"));
            awaitExecutions("/slow", before + 1);

            HttpResponse<String> duplicate = send(request("/slow", key, "x"));
            assertProblem(duplicate, 409, "request-in-progress");
            assertThat(duplicate.headers().firstValue("Retry-After")).hasValue("2");

            WebTestApplication.slowGate.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> retry = post("/slow", key, "x");
            assertThat(new String(retry.body())).isEqualTo("slow done");
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(WebTestApplication.executions("/slow")).isEqualTo(before + 1);
        }
        finally {
            WebTestApplication.slowGate.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void theResultIsStoredEvenWhenTheClientDisconnectedBeforeTheAnswer() throws Exception {
        String key = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int before = WebTestApplication.executions("/slow");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 1\r\nIdempotency-Key: " + key + "\r\n\r\nx")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            awaitExecutions("/slow", before + 1);
        }
        WebTestApplication.slowGate.countDown();

        HttpResponse<byte[]> retry = awaitReplay("/slow", key, "x");

        assertThat(new String(retry.body())).isEqualTo("slow done");
        assertThat(WebTestApplication.executions("/slow")).isEqualTo(before + 1);
    }

    @Test
    void sixtyFourConcurrentRequestsWithOneKeyRunTheHandlerOnce() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");
        int requests = 64;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<HttpResponse<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                responses.add(pool.submit(() -> {
                    start.await();
                    return post("/orders", key, ORDER);
                }));
            }
            start.countDown();
            byte[] created = null;
            for (Future<HttpResponse<byte[]>> future : responses) {
                HttpResponse<byte[]> response = future.get(60, TimeUnit.SECONDS);
                assertThat(response.statusCode()).isIn(201, 409);
                if (response.statusCode() == 201) {
                    if (created == null) {
                        created = response.body();
                    }
                    assertThat(response.body()).isEqualTo(created);
                }
            }
        }
        finally {
            pool.shutdownNow();
        }
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
    }

    @Test
    void aBodyThatFailsValidationIsNotStoredSoACorrectedBodyMayReuseTheKey() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<byte[]> invalid = post("/orders", key, "{\"item\":\"book\",\"quantity\":0}");
        HttpResponse<byte[]> corrected = post("/orders", key, ORDER);

        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(corrected.statusCode()).isEqualTo(201);
        assertThat(corrected.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
    }

    @Test
    void aHandlerExceptionReleasesTheKeySoARetryRunsAgain() throws Exception {
        String key = newKey();
        String failing = "{\"item\":\"fail\",\"quantity\":1}";
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> first = send(request("/orders", key, failing));
        HttpResponse<String> retry = send(request("/orders", key, failing));

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(retry.statusCode()).isEqualTo(500);
        assertThat(first.body()).doesNotContain("IllegalStateException").doesNotContain("at dev.idempotency");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 2);
    }

    @Test
    void aServerErrorResponseIsNotStored() throws Exception {
        assertRunsEachTime("/status/503");
    }

    @Test
    void retryableClientErrorsAreNotStored() throws Exception {
        for (int status : new int[] { 408, 409, 425, 429 }) {
            assertRunsEachTime("/status/" + status);
        }
    }

    @Test
    void theHandlersOwnClientErrorIsStoredAndReplayed() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/status/404");

        HttpResponse<byte[]> first = post("/status/404", key, "");
        HttpResponse<byte[]> retry = post("/status/404", key, "");

        assertThat(first.statusCode()).isEqualTo(404);
        assertThat(retry.statusCode()).isEqualTo(404);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/status/404")).isEqualTo(before + 1);
    }

    @Test
    void aReplayKeepsTheStoredStatusOfAResponseStatusHandler() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = post("/created", key, "");
        HttpResponse<byte[]> retry = post("/created", key, "");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void aProblemAnswerIsNotOverriddenByTheHandlersResponseStatus() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);
        assertProblem(send(request("/created", key, "")), 422, "key-reused");
    }

    @Test
    void anOptionalKeyRouteRunsUnprotectedWithoutAKeyAndIsProtectedWithOne() throws Exception {
        int before = WebTestApplication.executions("/optional");
        assertThat(post("/optional", null, "").statusCode()).isEqualTo(200);
        assertThat(post("/optional", null, "").statusCode()).isEqualTo(200);
        String key = newKey();
        post("/optional", key, "");
        HttpResponse<byte[]> retry = post("/optional", key, "");

        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/optional")).isEqualTo(before + 3);
    }

    @Test
    void aRouteOptedInByPathPatternIsProtectedWithoutAnAnnotation() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/payments");

        HttpResponse<byte[]> first = post("/payments", key, "{\"amount\":5}");
        HttpResponse<byte[]> retry = post("/payments", key, "{\"amount\":5}");
        post("/payments", null, "{\"amount\":5}");

        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/payments")).isEqualTo(before + 2);
    }

    @Test
    void aRouteThatIsNotOptedInIgnoresTheKey() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/plain");

        post("/plain", key, "");
        HttpResponse<byte[]> second = post("/plain", key, "");

        assertThat(second.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebTestApplication.executions("/plain")).isEqualTo(before + 2);
    }

    @Test
    void theSameKeyFromTwoPrincipalsRunsTwiceAndNeitherSeesTheOthersResponse() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/whoami");

        String alice = new String(send(request("/whoami", key, "").header("X-User", "alice").build(), byteBody()).body());
        String bob = new String(send(request("/whoami", key, "").header("X-User", "bob").build(), byteBody()).body());
        String aliceAgain = new String(send(request("/whoami", key, "").header("X-User", "alice").build(), byteBody()).body());

        assertThat(alice).startsWith("alice ");
        assertThat(bob).startsWith("bob ");
        assertThat(aliceAgain).isEqualTo(alice);
        assertThat(WebTestApplication.executions("/whoami")).isEqualTo(before + 2);
    }

    @Test
    void anAsyncHandlerIsStoredOnceItsResultIsWritten() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/async");

        HttpResponse<byte[]> first = post("/async", key, "");
        HttpResponse<byte[]> retry = post("/async", key, "");

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(new String(first.body())).startsWith("async ");
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/async")).isEqualTo(before + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/callable", "/deferred", "/web-async-task" })
    void everyAsyncHandlerKindIsStoredOnceItsResultIsWritten(String path) throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions(path);

        HttpResponse<byte[]> first = post(path, key, "");
        HttpResponse<byte[]> retry = post(path, key, "");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(new String(first.body())).isNotEmpty();
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions(path)).isEqualTo(before + 1);
    }

    @Test
    void aStreamingHandlerMatchedByPathPatternIsRefusedWithAProblemAndDoesNotRun() throws Exception {
        int before = WebTestApplication.executions("/stream");

        HttpResponse<String> response = send(request("/stream", newKey(), ""));

        assertProblem(response, 501, "streaming-not-supported");
        assertThat(WebTestApplication.executions("/stream")).isEqualTo(before);
    }

    @Test
    void aReplayIsNeverCacheable() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = post("/orders", key, ORDER);
        HttpResponse<byte[]> retry = post("/orders", key, ORDER);

        assertThat(first.headers().firstValue("Cache-Control")).isEmpty();
        assertThat(retry.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void aCrossOriginReplayExposesTheReplayedHeaderToBrowsers() throws Exception {
        String key = newKey();
        send(request("/cors", key, "").header("Origin", "https://app.example"));
        HttpResponse<String> retry = send(request("/cors", key, "").header("Origin", "https://app.example"));

        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
        assertThat(retry.headers().firstValue("Access-Control-Expose-Headers")).hasValueSatisfying(
                exposed -> assertThat(exposed).contains("X-Request-Id").contains("Idempotent-Replayed"));
    }

    @Test
    void aSameOriginReplayAddsNoCorsHeaders() throws Exception {
        String key = newKey();
        post("/cors", key, "");
        HttpResponse<byte[]> retry = post("/cors", key, "");

        assertThat(retry.headers().firstValue("Access-Control-Expose-Headers")).isEmpty();
    }

    @Test
    void aDuplicateOfAWaitingHandlerWaitsForTheFirstAndGetsItsReplay() throws Exception {
        String key = newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        int before = WebTestApplication.executions("/slow-wait");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<HttpResponse<byte[]>> first = pool.submit(() -> post("/slow-wait", key, "x"));
            awaitExecutions("/slow-wait", before + 1);
            Future<HttpResponse<byte[]>> duplicate = pool.submit(() -> post("/slow-wait", key, "x"));
            Thread.sleep(300);
            assertThat(duplicate).isNotDone();

            WebTestApplication.slowGate.countDown();

            assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> waited = duplicate.get(30, TimeUnit.SECONDS);
            assertThat(waited.statusCode()).isEqualTo(200);
            assertThat(new String(waited.body())).isEqualTo("waited for");
            assertThat(waited.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(WebTestApplication.executions("/slow-wait")).isEqualTo(before + 1);
        }
        finally {
            WebTestApplication.slowGate.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aBodyAboveTheRequestLimitIsRefusedWith413BeforeTheHandlerRuns() throws Exception {
        int before = WebTestApplication.executions("/payments");
        String large = "{\"amount\":\"" + "9".repeat(1024 * 1024) + "\"}";

        assertProblem(send(request("/payments", newKey(), large)), 413, "request-too-large");
        assertThat(WebTestApplication.executions("/payments")).isEqualTo(before);
    }

    @Test
    void aChunkedBodyAboveTheRequestLimitIsRefusedWith413BeforeTheHandlerRuns() throws Exception {
        int before = WebTestApplication.executions("/payments");
        String large = "{\"amount\":\"" + "9".repeat(1024 * 1024) + "\"}";

        assertProblem(send(chunked("/payments", newKey(), large)), 413, "request-too-large");
        assertThat(WebTestApplication.executions("/payments")).isEqualTo(before);
    }

    @Test
    void aChunkedBodyIsFingerprintedAsTheSameBodyWithAContentLength() throws Exception {
        String key = newKey();
        String body = "{\"amount\":\"" + "9".repeat(20_000) + "\"}";
        int before = WebTestApplication.executions("/payments");

        HttpResponse<String> first = send(chunked("/payments", key, body));
        HttpResponse<String> retry = send(request("/payments", key, body));
        HttpResponse<String> other = send(chunked("/payments", key, body.replace('9', '8')));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertProblem(other, 422, "key-reused");
        assertThat(WebTestApplication.executions("/payments")).isEqualTo(before + 1);
    }

    /** A request whose body is sent chunked, without a Content-Length. */
    private HttpRequest chunked(String path, String key, String body) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)))
                .build();
    }

    @Test
    void aLargeBodyWithAKeyStillReachesARouteThatIsNotProtected() throws Exception {
        String large = "x".repeat(2 * 1024 * 1024);
        HttpResponse<String> response = send(request("/echo-length", newKey(), large));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Integer.toString(large.length()));
    }

    @Test
    void noLogLineEverContainsTheRawKey(CapturedOutput output) throws Exception {
        String key = "secret-" + newKey();
        WebTestApplication.slowGate = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            int before = WebTestApplication.executions("/slow");
            pool.submit(() -> post("/slow", key, "x"));
            awaitExecutions("/slow", before + 1);
            send(request("/slow", key, "x"));
            send(request("/slow", key, "other payload"));
            send(request("/orders", key, "{\"item\":\"fail\",\"quantity\":1}"));
        }
        finally {
            WebTestApplication.slowGate.countDown();
            pool.shutdownNow();
        }
        assertThat(output.getAll()).doesNotContain(key);
    }

    @Test
    void anAsyncRequestThatEndsWithoutItsResultReleasesTheKeyInsteadOfHoldingIt() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/manual-async");

        post("/manual-async", key, "");
        awaitExecutions("/manual-async", before + 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<byte[]> retry = post("/manual-async", key, "");
        while (retry.statusCode() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            retry = post("/manual-async", key, "");
        }

        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebTestApplication.executions("/manual-async")).isEqualTo(before + 2);
    }

    @Test
    void aStreamingHandlerMatchedByPathPatternRunsUnprotectedWithoutAKey() throws Exception {
        int before = WebTestApplication.executions("/stream");

        HttpResponse<String> response = send(request("/stream", null, ""));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(WebTestApplication.executions("/stream")).isEqualTo(before + 1);
    }

    @Test
    void aFormBodyIsFingerprintedByItsParameters() throws Exception {
        String key = newKey();
        HttpResponse<String> first = send(form("/optional", key, "amount=1&currency=EUR"));
        HttpResponse<String> sameParameters = send(form("/optional", key, "currency=EUR&amount=1"));
        HttpResponse<String> otherAmount = send(form("/optional", key, "amount=2&currency=EUR"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(sameParameters.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertProblem(otherAmount, 422, "key-reused");
    }

    @Test
    void aFormBodyThatCannotBeDecodedIsRefusedWith400AndNothingRuns() throws Exception {
        int before = WebTestApplication.executions("/optional");

        HttpResponse<String> response = send(form("/optional", newKey(), "a=%ZZ&b"));

        assertProblem(response, 400, "unreadable-body");
        assertThat(WebTestApplication.executions("/optional")).isEqualTo(before);
    }

    @Test
    void aServerSentEventStreamOnARouteThatIsNotProtectedReachesTheClientWhileItRuns() throws Exception {
        WebTestApplication.streamGate = new CountDownLatch(1);
        try {
            CompletableFuture<HttpResponse<InputStream>> response = client.sendAsync(
                    request("/events", newKey(), "").header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());

            InputStream events = response.get(10, TimeUnit.SECONDS).body();
            assertThat(readUntil(events, "first")).contains("data:first");
        }
        finally {
            WebTestApplication.streamGate.countDown();
        }
    }

    @Test
    void aLargeDownloadOnARouteThatIsNotProtectedReachesTheClientWhileItRuns() throws Exception {
        WebTestApplication.streamGate = new CountDownLatch(1);
        try {
            CompletableFuture<HttpResponse<InputStream>> response = client.sendAsync(
                    request("/download", newKey(), "").build(), HttpResponse.BodyHandlers.ofInputStream());

            InputStream download = response.get(10, TimeUnit.SECONDS).body();
            assertThat(download.readNBytes(64 * 1024)).hasSize(64 * 1024);
        }
        finally {
            WebTestApplication.streamGate.countDown();
        }
    }

    @Test
    void aMultipartUploadWithAKeyReachesARouteThatIsNotProtected() throws Exception {
        HttpResponse<String> response = send(multipart("/upload", newKey(), "report.csv", "a,b\n1,2\n", "n"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("upload report.csv 8 ");
    }

    @Test
    void aMultipartUploadToAProtectedRouteIsFingerprintedByItsParts() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/upload-protected");

        HttpResponse<String> first = send(multipart("/upload-protected", key, "report.csv", "a,b\n1,2\n", "n"));
        HttpResponse<String> retry = send(multipart("/upload-protected", key, "report.csv", "a,b\n1,2\n", "n"));
        HttpResponse<String> otherBytes = send(multipart("/upload-protected", key, "report.csv", "a,b\n1,3\n", "n"));
        HttpResponse<String> otherName = send(multipart("/upload-protected", key, "other.csv", "a,b\n1,2\n", "n"));
        HttpResponse<String> otherField = send(multipart("/upload-protected", key, "report.csv", "a,b\n1,2\n", "m"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).startsWith("upload report.csv n ");
        assertReplayOf(first, retry);
        assertProblem(otherBytes, 422, "key-reused");
        assertProblem(otherName, 422, "key-reused");
        assertProblem(otherField, 422, "key-reused");
        assertThat(WebTestApplication.executions("/upload-protected")).isEqualTo(before + 1);
    }

    @Test
    void readingTheBodyTwiceGoesOnWhereTheFirstReadStopped() throws Exception {
        HttpResponse<String> response = send(request("/read-twice", newKey(), "abcdef"));

        assertThat(response.body()).isEqualTo("abc|def");
    }

    @Test
    void aProtectedHandlerThatForwardsToAnotherIsClaimedOnceAndItsRetryIsReplayed() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/forward-target");

        HttpResponse<String> first = send(request("/forwarding", key, "payload"));
        HttpResponse<String> retry = send(request("/forwarding", key, "payload"));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).startsWith("target ").endsWith(" payload");
        assertReplayOf(first, retry);
        assertThat(WebTestApplication.executions("/forward-target")).isEqualTo(before + 1);
    }

    @Test
    void aResponseWrittenThroughSendErrorIsReplayedAsTheClientReceivedIt() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/missing");

        HttpResponse<String> first = send(request("/missing", key, ""));
        HttpResponse<String> retry = send(request("/missing", key, ""));

        assertThat(first.statusCode()).isEqualTo(404);
        assertThat(first.body()).contains("\"status\":404");
        assertReplayOf(first, retry);
        assertThat(retry.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"))
                .isPresent();
        assertThat(WebTestApplication.executions("/missing")).isEqualTo(before + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/see-other", "/redirect" })
    void aSuccessRedirectIsStoredAndReplayed(String path) throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions(path);

        HttpResponse<String> first = send(request(path, key, ""));
        HttpResponse<String> retry = send(request(path, key, ""));

        assertThat(first.statusCode()).isIn(302, 303);
        assertThat(first.headers().firstValue("Location")).isPresent();
        assertReplayOf(first, retry);
        assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(WebTestApplication.executions(path)).isEqualTo(before + 1);
    }

    @Test
    void aHandlerWhoseResponseCannotBeWrittenIsRecordedAsProcessedAndNeverRunsAgain() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/unwritable");

        HttpResponse<String> first = send(request("/unwritable", key, ""));
        HttpResponse<String> retry = send(request("/unwritable", key, ""));

        assertThat(first.statusCode()).isEqualTo(500);
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(WebTestApplication.executions("/unwritable")).isEqualTo(before + 1);
    }

    @Test
    void formsThatDifferOnlyInHowManyValuesANameHasAreDifferentPayloads() throws Exception {
        String key = newKey();

        HttpResponse<String> first = send(form("/form", key, "a=b&a=c&a="));
        HttpResponse<String> other = send(form("/form", key, "a=b&c="));

        assertThat(first.statusCode()).isEqualTo(200);
        assertProblem(other, 422, "key-reused");
    }

    @Test
    void anUndecodableFormBoundToParametersIsRefusedWithTheUnreadableBodyProblem(CapturedOutput output)
            throws Exception {
        int before = WebTestApplication.executions("/form");

        HttpResponse<String> response = send(form("/form", newKey(), "a=%ZZ&b"));

        assertProblem(response, 400, "unreadable-body");
        assertThat(WebTestApplication.executions("/form")).isEqualTo(before);
        assertThat(output.getAll()).doesNotContain(" ERROR ");
    }

    @Test
    void aStructuredFieldStringWithParametersNamesTheKeyWithoutThem() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/orders");

        HttpResponse<byte[]> parameterized = post("/orders", "\"" + key + "\";a=1;b=\"x\";c;d=?1;e=:YWJj:;f=-1.5;g=tok/en*",
                ORDER);
        HttpResponse<byte[]> bare = post("/orders", key, ORDER);

        assertThat(parameterized.statusCode()).isEqualTo(201);
        assertThat(bare.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before + 1);
    }

    @Test
    void parametersThatAreNotStructuredFieldParametersMakeTheKeyInvalid() throws Exception {
        String key = newKey();
        for (String value : List.of("\"" + key + "\";", "\"" + key + "\";A=1", "\"" + key + "\" ;a=1",
                "\"" + key + "\";a=", "\"" + key + "\";a=\"x", "\"" + key + "\";a=1x", "\"" + key + "\"junk")) {
            assertProblem(send(request("/orders", value, ORDER)), 400, "invalid-key");
        }
    }

    @Test
    void aMissingKeyProblemLinksToTheDocumentation() throws Exception {
        HttpResponse<String> response = send(request("/orders", null, ORDER));

        assertProblem(response, 400, "missing-key");
        assertThat(response.headers().firstValue("Link")).hasValue("<" + DOCUMENTATION + ">; rel=\"describedby\"");
    }

    @Test
    void everyIdempotencyProblemLinksToTheDocumentation() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);

        HttpResponse<String> reused = send(request("/orders", key, "{\"item\":\"pen\",\"quantity\":1}"));

        assertProblem(reused, 422, "key-reused");
        assertThat(reused.headers().firstValue("Link")).hasValue("<" + DOCUMENTATION + ">; rel=\"describedby\"");
    }

    @Test
    void anUncorrectedRetryOfARefusedRequestIsRefusedAgain() throws Exception {
        String key = newKey();
        post("/orders", key, ORDER);
        String otherOrder = "{\"item\":\"pen\",\"quantity\":1}";
        int before = WebTestApplication.executions("/orders");

        assertProblem(send(request("/orders", null, ORDER)), 400, "missing-key");
        assertProblem(send(request("/orders", null, ORDER)), 400, "missing-key");
        assertProblem(send(request("/orders", key, otherOrder)), 422, "key-reused");
        assertProblem(send(request("/orders", key, otherOrder)), 422, "key-reused");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @Test
    void anonymousClientsShareOneScopeSoTheSameKeyFromTwoOfThemIsOneRequest() throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions("/whoami");

        HttpResponse<String> first = send(request("/whoami", key, ""));
        HttpResponse<String> second = send(request("/whoami", key, ""));

        assertThat(first.body()).startsWith("anonymous ");
        assertReplayOf(first, second);
        assertThat(WebTestApplication.executions("/whoami")).isEqualTo(before + 1);
    }

    /** Reads {@code stream} until {@code marker} arrives; fails if it does not within 10 seconds. */
    private static String readUntil(InputStream stream, String marker) throws Exception {
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            try {
                for (int b; (b = stream.read()) != -1;) {
                    seen.write(b);
                    if (seen.toString(StandardCharsets.UTF_8).contains(marker)) {
                        break;
                    }
                }
            }
            catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
            return seen.toString(StandardCharsets.UTF_8);
        });
        return read.get(10, TimeUnit.SECONDS);
    }

    /** A multipart/form-data request with one file part and one text field. */
    private HttpRequest multipart(String path, String key, String filename, String file, String note) {
        String boundary = "----test-boundary-" + UUID.randomUUID();
        String body = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: text/csv\r\n\r\n" + file + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"note\"\r\n\r\n" + note + "\r\n"
                + "--" + boundary + "--\r\n";
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private HttpRequest form(String path, String key, String body) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private void assertRunsEachTime(String path) throws Exception {
        String key = newKey();
        int before = WebTestApplication.executions(path);
        HttpResponse<byte[]> first = post(path, key, "");
        HttpResponse<byte[]> retry = post(path, key, "");
        assertThat(retry.statusCode()).isEqualTo(first.statusCode());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebTestApplication.executions(path)).as(path).isEqualTo(before + 2);
    }
}
