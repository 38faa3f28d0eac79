package dev.idempotency.storage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.Outcome;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.testsupport.AsyncFormView;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link IdempotencyStorage} keeps, written once. A backend's test extends
 * this class and supplies a storage; expiry is exercised with short real durations, so the
 * backend's own clock decides.
 *
 * <p>Each backend also supplies {@link LosableAnswers}: a way to lose an answer after the store
 * acted on the request, as a timeout does. A storage then may not know whether its write took
 * effect, but it must never turn its own applied write into a lost lease, a lost result or a
 * second execution.
 */
public abstract class IdempotencyStorageContractTest {

    protected static final Duration LONG = Duration.ofSeconds(30);
    protected static final Duration SHORT = Duration.ofMillis(300);
    protected static final long PAST_SHORT_MILLIS = 700;

    private final String runPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** The storage under test; the same instance for the whole test. */
    protected abstract IdempotencyStorage storage();

    /**
     * A second storage on the same store as {@link #storage()} (the same server, bucket or map)
     * whose answers the test can lose. The test closes it.
     */
    protected abstract LosableAnswers losableAnswers() throws Exception;

    /**
     * A storage whose answers can be held back past its timeout: the store acts on every request,
     * but the answer reaches the storage only after the call that sent it has failed with an
     * {@link IdempotencyStorageException}.
     */
    protected interface LosableAnswers extends AutoCloseable {

        /** The storage whose answers are lost. */
        IdempotencyStorage storage();

        /** From now on the store's answers are held back, so the storage's calls time out. */
        void hold();

        /**
         * Waits until the store has answered the first request sent since {@link #hold()}, so that
         * request took effect, then lets every held answer and every later one through.
         */
        void deliverHeld() throws InterruptedException;
    }

    /**
     * {@code lossy} with its claim protocol through the asynchronous form of its storage
     * ({@link AsyncFormView}), for a backend's test of that form.
     */
    protected static LosableAnswers throughAsyncForm(LosableAnswers lossy, Executor blockingCalls) {
        IdempotencyStorage view = new AsyncFormView(lossy.storage(), blockingCalls);
        return new LosableAnswers() {
            @Override
            public IdempotencyStorage storage() {
                return view;
            }

            @Override
            public void hold() {
                lossy.hold();
            }

            @Override
            public void deliverHeld() throws InterruptedException {
                lossy.deliverHeld();
            }

            @Override
            public void close() throws Exception {
                lossy.close();
            }
        };
    }

    /** A key unique to this test run, so runs never touch each other's entries. */
    protected String key(String name) {
        return runPrefix + name;
    }

    @Test
    void firstClaimAcquiresAndSecondSeesTheStoredBytes() {
        String key = key("claim");
        ClaimResult first = storage().attemptLock(key, bytes("first"), LONG);
        ClaimResult second = storage().attemptLock(key, bytes("second"), LONG);

        assertThat(first).isInstanceOf(ClaimResult.Acquired.class);
        assertThat(second).isInstanceOfSatisfying(ClaimResult.Held.class,
                held -> assertThat(held.value()).isEqualTo(bytes("first")));
    }

    @Test
    void aLosingClaimChangesNeitherTheEntryNorItsOwnerNorItsLease() throws Exception {
        String key = key("losing-claim");
        OwnerToken owner = acquire(key, SHORT);

        assertThat(storage().attemptLock(key, bytes("second"), LONG)).isInstanceOf(ClaimResult.Held.class);
        assertThat(heldValue(key)).isEqualTo(bytes("v"));
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage().complete(key, owner, bytes("late"), LONG)).as("the owner's lease was not extended").isFalse();
        assertThat(storage().attemptLock(key, bytes("third"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void everyClaimGetsItsOwnToken() {
        OwnerToken a = acquire(key("token-a"), LONG);
        OwnerToken b = acquire(key("token-b"), LONG);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void ownerCompletesAndLaterClaimsSeeTheCompletedBytes() {
        String key = key("complete");
        OwnerToken token = acquire(key, LONG);

        assertThat(storage().complete(key, token, bytes("done"), LONG)).isTrue();

        assertThat(heldValue(key)).isEqualTo(bytes("done"));
    }

    @Test
    void completingTwiceIsRefusedTheSecondTime() {
        String key = key("complete-twice");
        OwnerToken token = acquire(key, LONG);
        storage().complete(key, token, bytes("done"), LONG);

        assertThat(storage().complete(key, token, bytes("again"), LONG)).isFalse();
        assertThat(heldValue(key)).isEqualTo(bytes("done"));
    }

    @Test
    void aForeignTokenCannotCompleteReleaseOrExtend() {
        String key = key("foreign");
        acquire(key, LONG);
        OwnerToken stranger = new OwnerToken("not-the-owner");

        assertThat(storage().complete(key, stranger, bytes("evil"), LONG)).isFalse();
        assertThat(storage().release(key, stranger)).isFalse();
        assertThat(storage().extend(key, stranger, LONG)).isFalse();
        assertThat(heldValue(key)).isEqualTo(bytes("v"));
    }

    @Test
    void ownerReleasesAndTheKeyCanBeClaimedAgain() {
        String key = key("release");
        OwnerToken token = acquire(key, LONG);

        assertThat(storage().release(key, token)).isTrue();

        assertThat(storage().attemptLock(key, bytes("again"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void aCompletedEntryCannotBeReleased() {
        String key = key("release-completed");
        OwnerToken token = acquire(key, LONG);
        storage().complete(key, token, bytes("done"), LONG);

        assertThat(storage().release(key, token)).isFalse();
        assertThat(heldValue(key)).isEqualTo(bytes("done"));
    }

    @Test
    void operationsOnAnAbsentKeyReportNoOwnership() {
        String key = key("absent");
        OwnerToken token = new OwnerToken("whoever");

        assertThat(storage().complete(key, token, bytes("x"), LONG)).isFalse();
        assertThat(storage().release(key, token)).isFalse();
        assertThat(storage().extend(key, token, LONG)).isFalse();
        assertThat(storage().delete(key)).isFalse();
        assertThat(storage().attemptLock(key, bytes("x"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void afterTheLeaseEndsAnotherClaimTakesOverAndTheStaleOwnerChangesNothing() throws Exception {
        String key = key("takeover");
        OwnerToken stale = acquire(key, SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);

        ClaimResult takeover = storage().attemptLock(key, bytes("new"), LONG);
        assertThat(takeover).isInstanceOf(ClaimResult.Acquired.class);

        assertThat(storage().complete(key, stale, bytes("stale"), LONG)).isFalse();
        assertThat(storage().release(key, stale)).isFalse();
        assertThat(storage().extend(key, stale, LONG)).isFalse();
        assertThat(heldValue(key)).isEqualTo(bytes("new"));
    }

    @Test
    void anOwnerWhoseLeaseEndedCannotCompleteEvenWhenNoOneTookOver() throws Exception {
        String key = key("expired-owner");
        OwnerToken token = acquire(key, SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage().complete(key, token, bytes("late"), LONG)).isFalse();
        assertThat(storage().attemptLock(key, bytes("fresh"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void extendingKeepsTheKeyHeldPastTheOriginalLease() throws Exception {
        String key = key("extend");
        OwnerToken token = acquire(key, SHORT);

        assertThat(storage().extend(key, token, LONG)).isTrue();
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(heldValue(key)).isEqualTo(bytes("v"));
        assertThat(storage().complete(key, token, bytes("done"), LONG)).isTrue();
    }

    @Test
    void aCompletedEntryIsGoneAfterItsRetention() throws Exception {
        String key = key("retention");
        OwnerToken token = acquire(key, LONG);
        storage().complete(key, token, bytes("done"), SHORT);
        assertThat(heldValue(key)).isEqualTo(bytes("done"));

        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage().attemptLock(key, bytes("fresh"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void deleteRemovesAnEntryWhateverItsOwner() {
        String key = key("delete");
        acquire(key, LONG);

        assertThat(storage().delete(key)).isTrue();

        assertThat(storage().attemptLock(key, bytes("fresh"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void valuesAreBinarySafe() {
        byte[] everyByte = new byte[512];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        String key = key("binary");
        OwnerToken token = acquire(key, LONG, everyByte);
        assertThat(heldValue(key)).isEqualTo(everyByte);

        storage().complete(key, token, new byte[0], LONG);
        assertThat(heldValue(key)).isEmpty();
    }

    @Test
    void manyThreadsClaimingOneKeyProduceExactlyOneOwner() throws Exception {
        String key = key("race");
        int threads = 32;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<ClaimResult>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                byte[] value = bytes("thread-" + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return storage().attemptLock(key, value, LONG);
                }));
            }
            start.countDown();
            int acquired = 0;
            for (Future<ClaimResult> result : results) {
                if (result.get(30, TimeUnit.SECONDS) instanceof ClaimResult.Acquired) {
                    acquired++;
                }
            }
            assertThat(acquired).isEqualTo(1);
        }
        finally {
            pool.shutdownNow();
        }
    }

    /**
     * Many threads claim, complete, release and abandon a few keys at random. At no moment may
     * two threads own one key; every owner-only call made within the lease succeeds; every call
     * made with a token whose lease ended fails; every held value is one that a claim wrote.
     */
    @Test
    void fuzzOfClaimCompleteReleaseAndTakeoverKeepsOneOwnerPerKey() throws Exception {
        int threads = 16;
        int keys = 4;
        long deadline = System.nanoTime() + fuzzDuration().toNanos();
        ConcurrentHashMap<String, AtomicReference<String>> owners = new ConcurrentHashMap<>();
        AtomicInteger completions = new AtomicInteger();
        AtomicInteger releases = new AtomicInteger();
        AtomicInteger takeovers = new AtomicInteger();
        AtomicInteger held = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    int seq = 0;
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() < deadline && violations.isEmpty()) {
                        String key = key("fuzz-" + random.nextInt(keys));
                        String me = "t" + thread + "-" + (seq++);
                        int action = random.nextInt(10);
                        boolean abandon = action == 0;
                        ClaimResult claim = storage().attemptLock(key, bytes("claim:" + me),
                                abandon ? Duration.ofMillis(50) : LONG);
                        if (claim instanceof ClaimResult.Held h) {
                            held.incrementAndGet();
                            String value = new String(h.value(), StandardCharsets.UTF_8);
                            if (!value.startsWith("claim:") && !value.startsWith("done:")) {
                                violations.add("held value never written: " + value);
                            }
                            continue;
                        }
                        OwnerToken token = ((ClaimResult.Acquired) claim).token();
                        AtomicReference<String> owner = owners.computeIfAbsent(key, k -> new AtomicReference<>());
                        if (!owner.compareAndSet(null, me)) {
                            violations.add(me + " acquired " + key + " still owned by " + owner.get());
                            continue;
                        }
                        if (abandon) {
                            owner.set(null);
                            sleep(120);
                            if (storage().complete(key, token, bytes("done:" + me), Duration.ofMillis(20))) {
                                violations.add(me + " completed after its lease ended");
                            }
                            takeovers.incrementAndGet();
                        }
                        else if (action < 6) {
                            owner.set(null);
                            if (!storage().complete(key, token, bytes("done:" + me), Duration.ofMillis(20))) {
                                violations.add(me + " could not complete within its lease");
                            }
                            completions.incrementAndGet();
                        }
                        else {
                            owner.set(null);
                            if (!storage().release(key, token)) {
                                violations.add(me + " could not release within its lease");
                            }
                            releases.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(fuzzDuration().toSeconds() + 60, TimeUnit.SECONDS);
            }
        }
        finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(completions.get()).as("completions").isPositive();
        assertThat(releases.get()).as("releases").isPositive();
        assertThat(takeovers.get()).as("abandoned claims").isPositive();
        assertThat(held.get()).as("claims that found the key held").isPositive();
    }

    @Test
    void readShowsAnInProgressEntryWithItsLeaseEnd() {
        String key = key("read-in-progress");
        Instant before = Instant.now();
        acquire(key, LONG);

        StoredEntry entry = storage().read(key).orElseThrow();

        assertThat(entry.inProgress()).isTrue();
        assertThat(entry.value()).isEqualTo(bytes("v"));
        assertThat(entry.expiresAt()).isBetween(before.plus(LONG).minusSeconds(5), Instant.now().plus(LONG).plusSeconds(5));
    }

    @Test
    void readShowsACompletedEntryWithItsRetentionEnd() {
        String key = key("read-completed");
        OwnerToken token = acquire(key, LONG);
        storage().complete(key, token, bytes("done"), Duration.ofHours(1));

        StoredEntry entry = storage().read(key).orElseThrow();

        assertThat(entry.inProgress()).isFalse();
        assertThat(entry.value()).isEqualTo(bytes("done"));
        assertThat(entry.expiresAt()).isAfter(Instant.now().plus(LONG));
    }

    @Test
    void readFindsNothingForAnAbsentOrExpiredKeyAndChangesNothing() throws Exception {
        assertThat(storage().read(key("read-absent"))).isEmpty();
        String key = key("read-expired");
        acquire(key, SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage().read(key)).isEmpty();
        assertThat(storage().attemptLock(key, bytes("fresh"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void pingAnswersWhileTheStorageIsUp() {
        storage().ping();
        assertThat(storage().name()).isNotBlank();
    }

    @Test
    void awaitingAChangeReturnsByTheTimeoutAndChangesNothing() throws Exception {
        String key = key("await-timeout");
        acquire(key, LONG);
        long started = System.nanoTime();

        storage().awaitChange(key, Duration.ofMillis(200));

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(150L, 10_000L);
        assertThat(heldValue(key)).isEqualTo(bytes("v"));
    }

    @Test
    void anExtendWhoseAnswerWasLostIsRepeatedAndTheClaimGoesOn() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-extend");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().extend(key, token, LONG));

            assertThat(lossy.storage().extend(key, token, LONG)).as("the extend repeated").isTrue();
            assertThat(lossy.storage().complete(key, token, bytes("done"), LONG)).isTrue();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    @Test
    void aCompleteAfterAnExtendWhoseAnswerWasLostStoresTheResult() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-extend-complete");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().extend(key, token, LONG));

            assertThat(lossy.storage().complete(key, token, bytes("done"), LONG)).isTrue();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    /** The lost extend took effect, so the claim outlives the lease it had before, whatever its storage remembers. */
    @Test
    void aCompleteAfterTheFormerLeaseStillStoresTheResultWhenTheLostExtendTookEffect() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-extend-past-lease");
            long claimed = System.nanoTime();
            OwnerToken token = acquire(lossy.storage(), key, lease);

            losingTheAnswer(lossy, () -> lossy.storage().extend(key, token, LONG));
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(claimed + lease.toNanos() - System.nanoTime()) + 500));

            assertThat(storage().attemptLock(key, bytes("retry"), LONG)).as("a retry").isInstanceOf(ClaimResult.Held.class);
            assertThat(lossy.storage().complete(key, token, bytes("done"), LONG)).isTrue();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    @Test
    void aReleaseAfterAnExtendWhoseAnswerWasLostFreesTheKey() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-extend-release");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().extend(key, token, LONG));

            assertThat(lossy.storage().release(key, token)).isTrue();
            assertThat(storage().attemptLock(key, bytes("again"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
        }
    }

    @Test
    void aCompleteWhoseAnswerWasLostAnswersTrueWhenRepeatedAndTheResultReplays() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-complete");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().complete(key, token, bytes("done"), LONG));

            assertThat(lossy.storage().complete(key, token, bytes("done"), LONG)).as("the complete repeated").isTrue();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    @Test
    void aRenewalAfterACompleteWhoseAnswerWasLostDoesNotReportTheKeyLost() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-complete-extend");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().complete(key, token, bytes("done"), LONG));

            assertThat(lossy.storage().extend(key, token, LONG)).as("a renewal racing the repeated complete").isTrue();
            assertThat(lossy.storage().complete(key, token, bytes("done"), LONG)).isTrue();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    @Test
    void aReleaseWhoseAnswerWasLostLeavesTheKeyClaimable() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-release");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().release(key, token));

            assertThat(storage().attemptLock(key, bytes("again"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
        }
    }

    @Test
    void aRepeatedCompleteWithOtherBytesIsStillRefused() throws Exception {
        try (LosableAnswers lossy = losableAnswers()) {
            String key = key("lost-complete-other-bytes");
            OwnerToken token = acquire(lossy.storage(), key, LONG);

            losingTheAnswer(lossy, () -> lossy.storage().complete(key, token, bytes("done"), LONG));

            assertThat(lossy.storage().complete(key, token, bytes("other"), LONG)).isFalse();
            assertThat(heldValue(key)).isEqualTo(bytes("done"));
        }
    }

    /**
     * Through the real engine: the work runs, its completion's answer is lost, the engine retries
     * the completion in the background. The result must be stored, replayed to a retry, the work
     * run once, and no lost lease reported.
     */
    @Test
    void anEngineCompletionWhoseAnswerWasLostIsReplayedAndNotReportedLost() throws Exception {
        RecordingListener listener = new RecordingListener();
        AtomicInteger runs = new AtomicInteger();
        Utf8Codec codec = new Utf8Codec("replayed:");
        IdempotencyKey idempotencyKey = new IdempotencyKey("contract", "lost-completion");
        RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();
        try (LosableAnswers lossy = losableAnswers();
                IdempotencyKeeper keeper = new IdempotencyKeeper(lossy.storage(), key("engine."), LONG, LONG,
                        FailureMode.FAIL_CLOSED, listener)) {
            String first = keeper.execute(idempotencyKey, fingerprint, codec, () -> {
                runs.incrementAndGet();
                lossy.hold();
                return "result";
            });
            assertThat(first).isEqualTo("result");
            lossy.deliverHeld();

            assertThat(listener.awaitFirstOutcome(Duration.ofSeconds(30))).isEqualTo(Outcome.EXECUTED);
            assertThat(keeper.execute(idempotencyKey, fingerprint, codec, () -> "ran again")).isEqualTo("replayed:result");
            assertThat(runs.get()).isEqualTo(1);
            assertThat(listener.leaseLost.get()).as("leases reported lost").isZero();
            keeper.evict(idempotencyKey);
        }
    }

    /** How long the fuzz runs. */
    protected Duration fuzzDuration() {
        return Duration.ofSeconds(3);
    }

    protected OwnerToken acquire(String key, Duration lease) {
        return acquire(key, lease, bytes("v"));
    }

    private OwnerToken acquire(String key, Duration lease, byte[] value) {
        return acquire(storage(), key, lease, value);
    }

    private static OwnerToken acquire(IdempotencyStorage storage, String key, Duration lease) {
        return acquire(storage, key, lease, bytes("v"));
    }

    private static OwnerToken acquire(IdempotencyStorage storage, String key, Duration lease, byte[] value) {
        ClaimResult result = storage.attemptLock(key, value, lease);
        assertThat(result).isInstanceOf(ClaimResult.Acquired.class);
        return ((ClaimResult.Acquired) result).token();
    }

    protected byte[] heldValue(String key) {
        ClaimResult result = storage().attemptLock(key, bytes("probe"), LONG);
        assertThat(result).as("key %s should be held", key).isInstanceOf(ClaimResult.Held.class);
        return ((ClaimResult.Held) result).value();
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs {@code operation} with its answer lost: the store acts on it, and the call fails. */
    private static void losingTheAnswer(LosableAnswers lossy, ThrowingCallable operation) throws InterruptedException {
        lossy.hold();
        try {
            assertThatThrownBy(operation).isInstanceOf(IdempotencyStorageException.class);
        }
        finally {
            lossy.deliverHeld();
        }
    }

    /** Records what the engine reports: each request's outcome, and lost leases. */
    private static final class RecordingListener implements IdempotencyListener {

        final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        final AtomicInteger leaseLost = new AtomicInteger();
        private final CountDownLatch firstOutcome = new CountDownLatch(1);

        @Override
        public Execution started(String storage) {
            return outcome -> {
                outcomes.add(outcome);
                firstOutcome.countDown();
            };
        }

        @Override
        public void leaseLost(String keyLabel) {
            leaseLost.incrementAndGet();
        }

        Outcome awaitFirstOutcome(Duration timeout) throws InterruptedException {
            assertThat(firstOutcome.await(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("an outcome reported").isTrue();
            return outcomes.get(0);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
