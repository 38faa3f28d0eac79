package dev.idempotency.engine;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine when time and the storage work against it: leases renewed while the work runs, a
 * renewal that finds the key lost, results the storage refuses, and claims the storage cannot
 * answer, failing open or closed. Real time with leases under two seconds, over the in-memory
 * storage with faults injected; waits are bounded and timing bounds generous.
 */
class LeaseRenewalTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    /** Short, yet renewed every 200 ms it survives a stall of 400 ms on a busy machine. */
    private static final Duration LEASE = Duration.ofMillis(600);
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    /** Marks what it decodes, so a replay is told apart from a first run. */
    private static final ResultCodec<String> CODEC = new Utf8Codec("replayed:");

    private final InMemoryIdempotencyStorage memory = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final FaultInjectingStorage storage = new FaultInjectingStorage(memory);
    private final CountingListener listener = new CountingListener();
    private final List<IdempotencyKeeper> keepers = new ArrayList<>();
    private final ExecutorService workers = Executors.newCachedThreadPool();

    private final IdempotencyKey key = new IdempotencyKey("orders", "key-1");
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();

    @AfterEach
    void closeEverything() {
        workers.shutdownNow();
        keepers.forEach(IdempotencyKeeper::close);
        memory.close();
    }

    @Test
    void whileTheWorkRunsPastSeveralLeasesItsKeyStaysHeldAndRenewalStopsOnceItCompletes() throws Exception {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        IdempotencyKeeper otherInstance = keeper(LEASE, FailureMode.FAIL_CLOSED);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = workers.submit(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            started.countDown();
            finish.await(10, TimeUnit.SECONDS);
            return "done";
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        long threeLeasesLater = System.nanoTime() + LEASE.multipliedBy(3).toNanos();
        while (System.nanoTime() < threeLeasesLater) {
            assertThatThrownBy(() -> otherInstance.claim(key, fingerprint))
                    .isInstanceOf(IdempotentRequestInProgressException.class);
            Thread.sleep(20);
        }
        assertThat(storage.extendCalls.get()).as("renewals, every quarter to third of the lease").isGreaterThanOrEqualTo(4);
        finish.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(replayOf(otherInstance.claim(key, fingerprint))).isEqualTo("replayed:done");
        int renewalsWhenCompleted = storage.extendCalls.get();
        Thread.sleep(LEASE.multipliedBy(2).toMillis());
        assertThat(storage.extendCalls).as("no renewal after completion").hasValue(renewalsWhenCompleted);
        assertThat(listener.leaseLost).hasValue(0);
    }

    /**
     * Many handlers outlive their lease on a storage that takes 25 ms per renewal: 200 claims
     * renewed every half second need 10 s of storage time per second of work. Renewals run
     * side by side, so every lease is renewed before it ends, and no claim is lost.
     */
    @Test
    void renewalsOfManyLiveClaimsKeepUpWithAStorageThatAnswersSlowly() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        IdempotencyKeeper keeper = keeper(lease, FailureMode.FAIL_CLOSED);
        storage.renewalDelayMillis.set(25);
        List<IdempotencyKey> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            IdempotencyKey live = new IdempotencyKey("orders", "slow-" + i);
            assertThat(keeper.claim(live, fingerprint)).isInstanceOf(OwnedKey.class);
            keys.add(live);
        }

        long twoLeasesLater = System.nanoTime() + lease.multipliedBy(2).toNanos();
        List<IdempotencyKey> expired = new ArrayList<>();
        while (System.nanoTime() < twoLeasesLater && expired.isEmpty()) {
            for (IdempotencyKey live : keys) {
                if (keeper.inspect(live).isEmpty()) {
                    expired.add(live);
                }
            }
            Thread.sleep(50);
        }

        assertThat(expired).as("claims whose lease ended while their work still ran").isEmpty();
        assertThat(storage.extendCalls.get()).as("renewals").isGreaterThanOrEqualTo(2 * keys.size());
        assertThat(listener.leaseLost).hasValue(0);
    }

    /**
     * On shutdown the keeper closes before the storage's client does (Spring destroys the keeper
     * first, as it depends on the storage): a renewal then in flight must end before close
     * returns, and no renewal or completion retry may reach the storage afterwards.
     */
    @Test
    void closingTheKeeperWaitsForTheRenewalInFlightAndCallsTheStorageNoMore() throws Exception {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        storage.completionsToFail.set(Integer.MAX_VALUE);
        keeper.execute(new IdempotencyKey("orders", "retried"), fingerprint, CODEC, () -> "done");
        storage.renewalDelayMillis.set(500);
        assertThat(keeper.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);
        await("a renewal is in flight", () -> storage.inFlight.get() > 0);

        keeper.close();

        assertThat(storage.inFlight).as("storage calls still running once close returned").hasValue(0);
        int callsAtClose = storage.calls.get();
        Thread.sleep(LEASE.multipliedBy(2).toMillis());
        assertThat(storage.calls).as("storage calls after close").hasValue(callsAtClose);
    }

    @Test
    void aResultThatCannotBeStoredEndsTheKeyAndItsLeaseIsNoLongerRenewed() throws Exception {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        ResultCodec<String> unencodable = new ResultCodec<>() {
            @Override
            public byte[] encode(String result) {
                throw new IllegalArgumentException("a lazy association outside its session");
            }

            @Override
            public String decode(byte[] bytes) {
                throw new AssertionError("nothing was stored");
            }
        };
        CountDownLatch renewed = new CountDownLatch(1);

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, unencodable, () -> {
            await("a renewal while the work runs", () -> storage.extendCalls.get() > 0);
            renewed.countDown();
            return "ran";
        })).isInstanceOf(IdempotentResultNotReplayableException.class);
        assertThat(renewed.getCount()).isZero();
        int renewalsWhenEnded = storage.extendCalls.get();
        Thread.sleep(LEASE.multipliedBy(2).toMillis());

        assertThat(storage.extendCalls).as("no renewal after the key ended").hasValue(renewalsWhenEnded);
        assertThat(memory.read(key.storageKey("test."))).hasValueSatisfying(
                entry -> assertThat(entry.inProgress()).as("ended, not left in progress").isFalse());
        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentResultNotReplayableException.class);
    }

    @Test
    void anEndTheStorageRefusesAtFirstIsStoredInTheBackgroundAndItsLeaseThenNoLongerRenewed() throws Exception {
        IdempotencyKeeper keeper = keeper(Duration.ofMillis(1500), FailureMode.FAIL_CLOSED);
        storage.completionsToFail.set(2);
        ResultCodec<String> unreadable = new ResultCodec<>() {
            @Override
            public byte[] encode(String result) {
                return CODEC.encode(result);
            }

            @Override
            public String decode(byte[] bytes) {
                throw new IllegalArgumentException("no creator");
            }
        };

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, unreadable, () -> "ran"))
                .isInstanceOf(IdempotentResultNotReplayableException.class);
        await("stored after two refusals", () -> storage.completeCalls.get() == 3 && storage.storedAt.get() != 0);
        int renewalsWhenStored = storage.extendCalls.get();
        Thread.sleep(Duration.ofMillis(1500).multipliedBy(2).toMillis());

        assertThat(storage.extendCalls).as("no renewal after the key ended").hasValue(renewalsWhenStored);
        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentResultNotReplayableException.class);
    }

    @Test
    void oneLostClaimIsReportedToTheListenerOnce() throws Exception {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);
        storage.loseNextRenewal.set(true);
        await("the listener is told of the lost lease", () -> listener.leaseLost.get() >= 1);
        awaitOwned(keeper);

        assertThat(first.complete(CODEC.encode("first"))).isFalse();
        assertThat(listener.leaseLost).as("one claim lost once").hasValue(1);
    }

    @Test
    void aRenewalThatFindsTheKeyLostTellsTheListenerAndTheLaterCompletionChangesNothing() throws Exception {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);

        storage.loseNextRenewal.set(true);
        await("the listener is told of the lost lease", () -> listener.leaseLost.get() >= 1);
        // No longer renewed, the lease ends and a retry takes the key over.
        OwnedKey second = awaitOwned(keeper);

        assertThat(first.complete(CODEC.encode("first"))).isFalse();
        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
        assertThat(second.complete(CODEC.encode("second"))).isTrue();
        assertThat(replayOf(keeper.claim(key, fingerprint))).isEqualTo("replayed:second");
    }

    @Test
    void aResultTheStorageRefusesThreeTimesIsReturnedAtOnceAndStoredInTheBackgroundWhileDuplicatesAreInProgress()
            throws Exception {
        // The retry window is one lease and its back-off 100, 200, 400 ms: the fourth attempt comes
        // about 700 ms after the first, so the lease must be longer than that.
        IdempotencyKeeper keeper = keeper(Duration.ofMillis(1500), FailureMode.FAIL_CLOSED);
        storage.completionsToFail.set(3);

        long start = System.nanoTime();
        String result = keeper.execute(key, fingerprint, CODEC, () -> "done");
        long returnedAt = System.nanoTime();
        Future<Throwable> duplicate = workers.submit(() -> refusal(() -> keeper.claim(key, fingerprint)));

        assertThat(result).isEqualTo("done");
        assertThat(Duration.ofNanos(returnedAt - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(duplicate.get(5, TimeUnit.SECONDS)).isInstanceOf(IdempotentRequestInProgressException.class);
        assertThat(awaitReplay(keeper)).isEqualTo("replayed:done");
        assertThat(storage.storedAt.get() - returnedAt).as("returned before the result was stored").isPositive();
        assertThat(storage.completeCalls).hasValue(4);
        assertThat(listener.completionAbandoned).hasValue(0);
        assertThat(listener.leaseLost).hasValue(0);
    }

    @Test
    void aResultTheStorageNeverTakesIsAbandonedAfterAboutOneLeaseAndItsKeyStaysHeldUntilTheLeaseEnds()
            throws Exception {
        // Given up about 700 ms in (back-off 100, 200, 400 ms); the last renewal keeps the key a lease longer.
        Duration lease = Duration.ofSeconds(1);
        IdempotencyKeeper keeper = keeper(lease, FailureMode.FAIL_CLOSED);
        storage.completionsToFail.set(Integer.MAX_VALUE);

        long start = System.nanoTime();
        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "done")).isEqualTo("done");
        await("the listener is told the result was abandoned", () -> listener.completionAbandoned.get() == 1);
        Duration abandonedAfter = Duration.ofNanos(System.nanoTime() - start);

        assertThat(abandonedAfter).isBetween(lease.dividedBy(2), lease.multipliedBy(5));
        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
        // Once the lease ends a retry owns the key: the result was never stored, the work may run again.
        awaitOwned(keeper);
        assertThat(listener.completionAbandoned).hasValue(1);
    }

    @Test
    void failingOpenAClaimTheStorageCannotAnswerRunsTheWorkTellsTheListenerAndStoresNothing() {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_OPEN);
        AtomicInteger runs = new AtomicInteger();
        storage.claimsFail.set(true);

        String result = keeper.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet());

        assertThat(result).isEqualTo("run 1");
        assertThat(listener.failedOpen).hasValue(1);
        assertThat(memory.size()).isZero();
        assertThat(storage.completeCalls).hasValue(0);
        storage.claimsFail.set(false);
        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet()))
                .as("nothing was stored, so the storage back runs it again").isEqualTo("run 2");
    }

    @Test
    void failingClosedAClaimTheStorageCannotAnswerThrowsAndTheWorkDoesNotRun() {
        IdempotencyKeeper keeper = keeper(LEASE, FailureMode.FAIL_CLOSED);
        AtomicInteger runs = new AtomicInteger();
        storage.claimsFail.set(true);

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyStorageException.class);
        assertThat(runs).hasValue(0);
        assertThat(listener.failedOpen).hasValue(0);
        assertThat(memory.size()).isZero();
    }

    private IdempotencyKeeper keeper(Duration lease, FailureMode failureMode) {
        IdempotencyKeeper keeper = new IdempotencyKeeper(storage.proxy, "test.", RETENTION, lease, failureMode,
                listener);
        keepers.add(keeper);
        return keeper;
    }

    private static String replayOf(ClaimOutcome outcome) {
        assertThat(outcome).isInstanceOf(ClaimOutcome.Replay.class);
        return CODEC.decode(((ClaimOutcome.Replay) outcome).result());
    }

    /** Claims until the key is no longer in progress; the replayed result. */
    private String awaitReplay(IdempotencyKeeper keeper) throws InterruptedException {
        return replayOf(awaitNotInProgress(keeper));
    }

    /** Claims until the key is no longer in progress; it must then be this caller's. */
    private OwnedKey awaitOwned(IdempotencyKeeper keeper) throws InterruptedException {
        ClaimOutcome outcome = awaitNotInProgress(keeper);
        assertThat(outcome).isInstanceOf(OwnedKey.class);
        return (OwnedKey) outcome;
    }

    private ClaimOutcome awaitNotInProgress(IdempotencyKeeper keeper) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                return keeper.claim(key, fingerprint);
            }
            catch (IdempotentRequestInProgressException ex) {
                assertThat(System.nanoTime()).as("the key leaves in-progress within " + PATIENCE).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    private static Throwable refusal(Runnable claim) {
        try {
            claim.run();
            return null;
        }
        catch (RuntimeException ex) {
            return ex;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + PATIENCE).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Counts what the engine tells its listener. */
    private static final class CountingListener implements IdempotencyListener {

        final AtomicInteger leaseLost = new AtomicInteger();
        final AtomicInteger failedOpen = new AtomicInteger();
        final AtomicInteger completionAbandoned = new AtomicInteger();

        @Override
        public void leaseLost(String keyLabel) {
            leaseLost.incrementAndGet();
        }

        @Override
        public void failedOpen(String keyLabel) {
            failedOpen.incrementAndGet();
        }

        @Override
        public void completionAbandoned(String keyLabel) {
            completionAbandoned.incrementAndGet();
        }
    }

    /**
     * A storage whose faults the test arms: claims that fail, completions that fail a number of
     * times, a renewal that finds the key lost, renewals that answer slowly; it counts calls,
     * those in flight, completions and renewals. A dynamic proxy, so every other method of the
     * storage SPI, present or added later, reaches the real storage unchanged.
     */
    private static final class FaultInjectingStorage implements InvocationHandler {

        final IdempotencyStorage proxy;
        final AtomicBoolean claimsFail = new AtomicBoolean();
        final AtomicInteger completionsToFail = new AtomicInteger();
        final AtomicBoolean loseNextRenewal = new AtomicBoolean();
        final AtomicLong renewalDelayMillis = new AtomicLong();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger completeCalls = new AtomicInteger();
        final AtomicInteger extendCalls = new AtomicInteger();
        /** {@link System#nanoTime()} when a completion last reached the storage and was stored. */
        final AtomicLong storedAt = new AtomicLong();
        private final IdempotencyStorage delegate;

        FaultInjectingStorage(IdempotencyStorage delegate) {
            this.delegate = delegate;
            this.proxy = (IdempotencyStorage) Proxy.newProxyInstance(IdempotencyStorage.class.getClassLoader(),
                    new Class<?>[] { IdempotencyStorage.class }, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            calls.incrementAndGet();
            switch (method.getName()) {
                case "attemptLock" -> {
                    if (claimsFail.get()) {
                        throw new IdempotencyStorageException("injected: the storage does not answer");
                    }
                }
                case "complete" -> {
                    completeCalls.incrementAndGet();
                    if (completionsToFail.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                        throw new IdempotencyStorageException("injected: the storage refused the result");
                    }
                }
                case "extend" -> {
                    extendCalls.incrementAndGet();
                    if (loseNextRenewal.getAndSet(false)) {
                        return false;
                    }
                    inFlight.incrementAndGet();
                    try {
                        // Deaf to interrupts, as a client blocked on its socket can be.
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(renewalDelayMillis.get());
                        while (System.nanoTime() < until) {
                            LockSupport.parkNanos(until - System.nanoTime());
                        }
                    }
                    finally {
                        inFlight.decrementAndGet();
                    }
                }
                default -> {
                }
            }
            try {
                Object answer = method.invoke(delegate, args);
                if (method.getName().equals("complete") && Boolean.TRUE.equals(answer)) {
                    storedAt.set(System.nanoTime());
                }
                return answer;
            }
            catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
        }
    }
}
