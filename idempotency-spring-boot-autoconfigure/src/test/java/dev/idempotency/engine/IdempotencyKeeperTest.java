package dev.idempotency.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotencyKeeperTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int CALLERS = 64;
    private static final Instant CLAIMED_AT = Instant.parse("2026-01-01T00:00:00.123Z");

    /** Stores text as UTF-8 and marks what it decodes, so a replay is told apart from a first run. */
    private static final ResultCodec<String> CODEC = new Utf8Codec("replayed:");

    private final MutableClock clock = new MutableClock();
    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1), clock,
            clock::nanoTime);
    private final IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "test.", RETENTION, LEASE);

    private final IdempotencyKey key = new IdempotencyKey("orders", "key-1");
    private final RequestFingerprint fingerprint = fingerprint("order A");
    private final RequestFingerprint otherFingerprint = fingerprint("order B");

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    @Test
    void concurrentCallersWithOneKeyRunTheWorkExactlyOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch othersReturned = new CountDownLatch(CALLERS - 1);
        CountDownLatch finishWork = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<Object>> calls = submitTogether(pool, start, () -> {
                try {
                    return keeper.execute(key, fingerprint, CODEC, () -> {
                        runs.incrementAndGet();
                        // The work is still running until every other caller has had its answer.
                        if (!finishWork.await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the other callers never returned");
                        }
                        return "result";
                    });
                }
                catch (IdempotentRequestInProgressException ex) {
                    return ex;
                }
                finally {
                    othersReturned.countDown();
                }
            });
            start.countDown();
            assertThat(othersReturned.await(10, TimeUnit.SECONDS)).isTrue();
            finishWork.countDown();

            List<Object> outcomes = outcomes(calls);
            assertThat(runs).hasValue(1);
            assertThat(outcomes).hasSize(CALLERS)
                    .allSatisfy(outcome -> assertThat(outcome).satisfiesAnyOf(
                            o -> assertThat(o).isIn("result", "replayed:result"),
                            o -> assertThat(o).isInstanceOf(IdempotentRequestInProgressException.class)));
            assertThat(outcomes).filteredOn("result"::equals).hasSize(1);

            List<Future<Object>> laterCalls = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                laterCalls.add(pool.submit(() -> keeper.execute(key, fingerprint, CODEC, () -> {
                    runs.incrementAndGet();
                    return "second run";
                })));
            }
            assertThat(outcomes(laterCalls)).hasSize(CALLERS).containsOnly("replayed:result");
            assertThat(runs).hasValue(1);
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void renewalsOfEndedClaimsDoNotStayQueued() throws Exception {
        try (LeaseScheduler scheduler = new LeaseScheduler()) {
            for (int i = 0; i < 10_000; i++) {
                scheduler.renew(storage, "k" + i, new OwnerToken("t"), LEASE, () -> {
                }).stop();
            }
            assertThat(scheduler.renewing()).isZero();
            assertThat(scheduler.queued()).as("the one periodic sweep").isEqualTo(1);
        }
    }

    @Test
    void liveClaimsShareOnePeriodicSweepInsteadOfATimerEach() throws Exception {
        try (LeaseScheduler scheduler = new LeaseScheduler()) {
            for (int i = 0; i < 10_000; i++) {
                scheduler.renew(storage, "k" + i, new OwnerToken("t"), LEASE, () -> {
                });
            }
            assertThat(scheduler.renewing()).isEqualTo(10_000);
            assertThat(scheduler.queued()).as("the one periodic sweep").isEqualTo(1);
        }
    }

    @Test
    void replayReturnsTheFirstResultDecodedThroughTheCodec() {
        String first = keeper.execute(key, fingerprint, CODEC, () -> "42");
        String second = keeper.execute(key, fingerprint, CODEC, () -> "never stored");

        assertThat(first).isEqualTo("42");
        assertThat(second).isEqualTo("replayed:42");
    }

    @Test
    void aResultThatCannotBeEncodedFailsTheFirstCallAndEndsTheKeySoNoRetryRunsTheWorkAgain() {
        IllegalArgumentException notEncodable = new IllegalArgumentException("a getter threw");
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, failingCodec(notEncodable, null), () -> {
            runs.incrementAndGet();
            return "ran";
        })).isInstanceOf(IdempotentResultNotReplayableException.class).hasCause(notEncodable)
                .hasMessageContaining("a getter threw");
        clock.advance(LEASE.multipliedBy(2));

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            runs.incrementAndGet();
            return "second run";
        })).isInstanceOf(IdempotentResultNotReplayableException.class).hasMessageContaining("will not run again");
        assertThat(runs).as("the work ran once, the lease's end did not free the key").hasValue(1);
    }

    @Test
    void aResultThatDoesNotReadBackFailsTheFirstCallOnceAndEveryRetryIsToldItRan() {
        IllegalArgumentException notDecodable = new IllegalArgumentException("no creator for the type");
        AtomicInteger runs = new AtomicInteger();
        ResultCodec<String> writesButDoesNotRead = failingCodec(null, notDecodable);

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, writesButDoesNotRead, () -> {
            runs.incrementAndGet();
            return "ran";
        })).isInstanceOf(IdempotentResultNotReplayableException.class).hasCause(notDecodable);
        for (int retry = 0; retry < 3; retry++) {
            assertThatThrownBy(() -> keeper.execute(key, fingerprint, writesButDoesNotRead, () -> {
                runs.incrementAndGet();
                return "again";
            })).isInstanceOf(IdempotentResultNotReplayableException.class);
        }

        assertThat(runs).hasValue(1);
        clock.advance(RETENTION);
        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "after the retention"))
                .as("the key is kept for the retention, like a result").isEqualTo("after the retention");
    }

    @Test
    void anAsyncResultIsStoredWhenItsFutureCompletesBeforeTheCallersFutureAndIsReplayedCompleted() {
        CompletableFuture<String> work = new CompletableFuture<>();
        CompletableFuture<String> first = keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                () -> work);
        CompletableFuture<ClaimOutcome> seenByTheCaller = first.thenApply(value -> keeper.claim(key, fingerprint));

        assertThat(first).isNotDone();
        assertThatThrownBy(() -> keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                () -> CompletableFuture.completedFuture("second run")))
                .as("claimed at the call, while the future runs").isInstanceOf(IdempotentRequestInProgressException.class);
        work.complete("42");

        assertThat(first).isCompletedWithValue("42");
        assertThat(seenByTheCaller.join()).as("stored before the caller's future completed")
                .isInstanceOf(ClaimOutcome.Replay.class);
        CompletableFuture<String> replay = keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC, () -> {
            throw new AssertionError("ran twice");
        });
        assertThat(replay).isCompletedWithValue("replayed:42");
    }

    @Test
    void aFailedAsyncResultFailsTheCallersFutureWithItsCauseAndReleasesTheKey() {
        IllegalStateException declined = new IllegalStateException("card declined");

        CompletableFuture<String> first = keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                () -> CompletableFuture.failedFuture(declined));

        assertThat(first).failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingCause().isSameAs(declined);
        assertThat(keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                () -> CompletableFuture.completedFuture("paid"))).isCompletedWithValue("paid");
    }

    @Test
    void anAsyncWorkThatThrowsBeforeReturningItsFutureIsRethrownUnchangedAndReleasesTheKey() {
        IllegalStateException refused = new IllegalStateException("refused");

        assertThatThrownBy(() -> keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC, () -> {
            throw refused;
        })).isSameAs(refused);
        assertThat(keeper.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);
    }

    @Test
    void anAsyncResultThatCannotBeStoredFailsTheCallersFutureAndEndsTheKey() {
        IllegalArgumentException notEncodable = new IllegalArgumentException("a getter threw");
        CompletableFuture<String> work = new CompletableFuture<>();

        CompletableFuture<String> first = keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS,
                failingCodec(notEncodable, null), () -> work);
        work.complete("ran");

        assertThat(first).failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingCause()
                .isInstanceOf(IdempotentResultNotReplayableException.class).havingCause().isSameAs(notEncodable);
        assertThatThrownBy(() -> keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                () -> CompletableFuture.completedFuture("second run")))
                .isInstanceOf(IdempotentResultNotReplayableException.class);
    }

    @Test
    void concurrentAsyncCallersWithOneKeyRunTheWorkOnceAndLaterCallersGetItsValue() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> work = new CompletableFuture<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<Object>> calls = submitTogether(pool, start, () -> {
                try {
                    return keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC, () -> {
                        runs.incrementAndGet();
                        return work;
                    });
                }
                catch (IdempotentRequestInProgressException ex) {
                    return ex;
                }
            });
            start.countDown();
            List<Object> outcomes = outcomes(calls);
            work.complete("result");

            assertThat(runs).hasValue(1);
            assertThat(outcomes).filteredOn(CompletableFuture.class::isInstance).singleElement()
                    .satisfies(future -> assertThat(((CompletableFuture<?>) future).join()).isEqualTo("result"));
            assertThat(outcomes).filteredOn(IdempotentRequestInProgressException.class::isInstance)
                    .hasSize(CALLERS - 1);
            assertThat(keeper.executeAsync(key, fingerprint, ClaimOptions.DEFAULTS, CODEC,
                    () -> CompletableFuture.completedFuture("second run"))).isCompletedWithValue("replayed:result");
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWaitingDuplicateGetsTheReplayOnceTheFirstCompletes() throws Exception {
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);
        CompletableFuture<ClaimOutcome> waiting = CompletableFuture.supplyAsync(
                () -> keeper.claim(key, fingerprint, Duration.ofSeconds(20)));
        Thread.sleep(100);
        assertThat(waiting).isNotDone();

        first.complete("done".getBytes(StandardCharsets.UTF_8));

        assertThat(waiting.get(20, TimeUnit.SECONDS)).isInstanceOfSatisfying(ClaimOutcome.Replay.class,
                replay -> assertThat(replay.result()).isEqualTo("done".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aWaitingDuplicateClaimsTheKeyWhenTheFirstReleasesIt() throws Exception {
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);
        CompletableFuture<ClaimOutcome> waiting = CompletableFuture.supplyAsync(
                () -> keeper.claim(key, fingerprint, Duration.ofSeconds(20)));
        Thread.sleep(100);

        first.release();

        assertThat(waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(OwnedKey.class);
    }

    @Test
    void aWaitingDuplicateIsRefusedWhenTheWaitRunsOut() {
        keeper.claim(key, fingerprint);

        assertThatThrownBy(() -> keeper.claim(key, fingerprint, Duration.ofMillis(100)))
                .isInstanceOf(IdempotentRequestInProgressException.class);
    }

    @Test
    void aDifferentFingerprintWhileTheFirstRequestRunsIsAReusedKey() {
        assertThat(keeper.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);

        assertThatThrownBy(() -> keeper.claim(key, otherFingerprint)).isInstanceOf(IdempotencyKeyReusedException.class);
    }

    @Test
    void aDifferentFingerprintAfterCompletionIsAReusedKey() {
        keeper.execute(key, fingerprint, CODEC, () -> "done");

        assertThatThrownBy(() -> keeper.execute(key, otherFingerprint, CODEC, () -> "other"))
                .isInstanceOf(IdempotencyKeyReusedException.class);
    }

    @Test
    void theSameFingerprintWhileTheFirstRequestRunsIsInProgress() {
        keeper.claim(key, fingerprint);

        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
    }

    @Test
    void aFailingWorkIsRethrownUnchangedAndReleasesTheKey() {
        IllegalStateException failure = new IllegalStateException("payment declined");
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            runs.incrementAndGet();
            throw failure;
        })).isSameAs(failure);
        String retried = keeper.execute(key, fingerprint, CODEC, () -> {
            runs.incrementAndGet();
            return "paid";
        });

        assertThat(retried).isEqualTo("paid");
        assertThat(runs).hasValue(2);
    }

    @Test
    void aFailingWorkWithACheckedExceptionIsRethrownUnchanged() {
        Exception failure = new IOException("disk full");

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(keeper.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);
    }

    @Test
    void afterTheLeaseEndsAnotherClaimTakesTheKeyOverAndTheFirstOwnerCannotComplete() {
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);
        clock.advance(LEASE.plusSeconds(1));

        ClaimOutcome takeover = keeper.claim(key, fingerprint);

        assertThat(takeover).isInstanceOf(OwnedKey.class).isNotSameAs(first);
        assertThat(first.complete(CODEC.encode("stale"))).isFalse();
        assertThat(((OwnedKey) takeover).complete(CODEC.encode("fresh"))).isTrue();
        assertThat(keeper.claim(key, fingerprint)).isInstanceOfSatisfying(ClaimOutcome.Replay.class,
                replay -> assertThat(CODEC.decode(replay.result())).isEqualTo("replayed:fresh"));
    }

    @Test
    void beforeTheLeaseEndsTheKeyStaysInProgress() {
        keeper.claim(key, fingerprint);
        clock.advance(LEASE.minusSeconds(1));

        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
    }

    @Test
    void afterTheRetentionACompletedKeyRunsAgain() {
        keeper.execute(key, fingerprint, CODEC, () -> "first");
        clock.advance(RETENTION);

        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "second")).isEqualTo("second");
    }

    @Test
    void storageKeysHaveOneLengthAndOnlyStorageSafeCharactersWhateverTheKey() {
        List<String> values = List.of("", "k", "x".repeat(10_000), "ключ-鍵-🔑-é", "\u0000\n\r\t\u001b\u007f", "a:b c/d*e");

        List<String> storageKeys = values.stream().map(value -> new IdempotencyKey("scope", value).storageKey("p.")).toList();

        assertThat(storageKeys).doesNotHaveDuplicates()
                .allSatisfy(storageKey -> assertThat(storageKey).hasSize("p.".length() + 43)
                        .startsWith("p.")
                        .matches("[-_=.a-zA-Z0-9]+"));
    }

    /**
     * Entries outlive deployments, so the derivation must never change: the expected values were
     * computed outside Java, as SHA-256 over big-endian lengths and UTF-8 bytes.
     */
    @Test
    void storageKeysAndFingerprintsAreTheSameFromOneVersionToTheNext() {
        for (int i = 0; i < 3; i++) {
            assertThat(new IdempotencyKey("orders", "key-1").storageKey("idempotency."))
                    .as("derivation %d on one thread, which reuses its digest", i)
                    .isEqualTo("idempotency.2YPYGT7MUo5KDMCsr5FSHopN7nKiGWhwRy5nvZWfM6A");
            new IdempotencyKey("other", "key").storageKey("");
        }
        assertThat(RequestFingerprint.builder().add("POST").add("/orders").add((String) null).build())
                .hasToString("RequestFingerprint[329f1b609f15...]");
    }

    @Test
    void storageKeysDoNotConfuseTheBoundaryBetweenScopeAndValue() {
        String aAndBc = new IdempotencyKey("a", "bc").storageKey("");
        String abAndC = new IdempotencyKey("ab", "c").storageKey("");

        assertThat(aAndBc).isNotEqualTo(abAndC);
    }

    @Test
    void theSameKeyInAnotherScopeIsAnotherKey() {
        keeper.execute(new IdempotencyKey("orders", "k"), fingerprint, CODEC, () -> "order");

        String refund = keeper.execute(new IdempotencyKey("refunds", "k"), otherFingerprint, CODEC, () -> "refund");

        assertThat(refund).isEqualTo("refund");
    }

    @Test
    void theKeyIsNeverInItsTextForm() {
        String text = new IdempotencyKey("secret-scope", "secret-key-7f3a").toString();

        assertThat(text).doesNotContain("secret-key-7f3a").doesNotContain("secret-scope");
    }

    @ParameterizedTest
    @ValueSource(strings = { "idem:", "a b", "prefix/", "ключ" })
    void aPrefixOutsideTheStorageSafeCharactersIsRejected(String prefix) {
        assertThatIllegalArgumentException().isThrownBy(() -> new IdempotencyKeeper(storage, prefix, RETENTION, LEASE))
                .withMessageContaining(prefix);
    }

    @ParameterizedTest
    @ValueSource(strings = { "PT0S", "PT-1S" })
    void aNonPositiveRetentionIsRejected(String retention) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new IdempotencyKeeper(storage, "p.", Duration.parse(retention), LEASE))
                .withMessageContaining("retention");
    }

    @ParameterizedTest
    @ValueSource(strings = { "PT0S", "PT-1S" })
    void aNonPositiveLeaseIsRejected(String lease) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new IdempotencyKeeper(storage, "p.", RETENTION, Duration.parse(lease)))
                .withMessageContaining("lease");
    }

    @Test
    void aCompletedStateSurvivesItsEncoding() {
        StoredState decoded = StoredState.decode(StoredState.success(fingerprint, CLAIMED_AT, new byte[] { 0, 1, -1, 42 }).encode());

        assertThat(decoded.status()).isEqualTo(StoredState.Status.SUCCESS);
        assertThat(decoded.fingerprint()).isEqualTo(fingerprint);
        assertThat(decoded.claimedAt()).isEqualTo(CLAIMED_AT);
        assertThat(decoded.result()).containsExactly(0, 1, -1, 42);
    }

    @Test
    void anInProgressStateSurvivesItsEncodingWithAnEmptyResult() {
        StoredState decoded = StoredState.decode(StoredState.inProgress(fingerprint, CLAIMED_AT).encode());

        assertThat(decoded.status()).isEqualTo(StoredState.Status.IN_PROGRESS);
        assertThat(decoded.fingerprint()).isEqualTo(fingerprint);
        assertThat(decoded.result()).isEmpty();
    }

    @Test
    void bytesInAnUnknownFormatAreRefused() {
        byte[] unknownFormat = StoredState.inProgress(fingerprint, CLAIMED_AT).encode();
        unknownFormat[0] = 9;

        assertThatThrownBy(() -> StoredState.decode(unknownFormat)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StoredState.decode(new byte[3])).isInstanceOf(IllegalStateException.class);
    }

    /** A codec that throws {@code onEncode} when it encodes, or {@code onDecode} when it decodes, when not {@code null}. */
    private static ResultCodec<String> failingCodec(RuntimeException onEncode, RuntimeException onDecode) {
        return new ResultCodec<>() {
            @Override
            public byte[] encode(String result) {
                if (onEncode != null) {
                    throw onEncode;
                }
                return CODEC.encode(result);
            }

            @Override
            public String decode(byte[] bytes) {
                if (onDecode != null) {
                    throw onDecode;
                }
                return CODEC.decode(bytes);
            }
        };
    }

    private static RequestFingerprint fingerprint(String request) {
        return RequestFingerprint.builder().add(request).build();
    }

    /** Submits {@code call} for {@link #CALLERS} threads, each waiting for {@code start}. */
    private static List<Future<Object>> submitTogether(ExecutorService pool, CountDownLatch start,
            Callable<Object> call) {
        List<Future<Object>> calls = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            calls.add(pool.submit(() -> {
                start.await();
                return call.call();
            }));
        }
        return calls;
    }

    private static List<Object> outcomes(List<Future<Object>> calls) throws InterruptedException {
        List<Object> outcomes = new ArrayList<>();
        for (Future<Object> call : calls) {
            try {
                outcomes.add(call.get(10, TimeUnit.SECONDS));
            }
            catch (ExecutionException ex) {
                outcomes.add(ex.getCause());
            }
            catch (TimeoutException ex) {
                throw new AssertionError("a caller did not return", ex);
            }
        }
        return outcomes;
    }

    /** A wall clock and a monotonic one the test moves together by hand; read from the storage's threads, so volatile. */
    private static final class MutableClock implements InstantSource {

        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
        private volatile long nanoTime;

        @Override
        public Instant instant() {
            return now;
        }

        long nanoTime() {
            return nanoTime;
        }

        synchronized void advance(Duration duration) {
            now = now.plus(duration);
            nanoTime += duration.toNanos();
        }
    }
}
