package dev.idempotency.storage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract every {@link IdempotencyStorage} keeps, written once. A backend's test extends
 * this class and supplies a storage; expiry is exercised with short real durations, so the
 * backend's own clock decides.
 */
public abstract class IdempotencyStorageContractTest {

    protected static final Duration LONG = Duration.ofSeconds(30);
    protected static final Duration SHORT = Duration.ofMillis(300);
    protected static final long PAST_SHORT_MILLIS = 700;

    private final String runPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** The storage under test; the same instance for the whole test. */
    protected abstract IdempotencyStorage storage();

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
        List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
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

    /** How long the fuzz runs. */
    protected Duration fuzzDuration() {
        return Duration.ofSeconds(3);
    }

    protected OwnerToken acquire(String key, Duration lease) {
        return acquire(key, lease, bytes("v"));
    }

    private OwnerToken acquire(String key, Duration lease, byte[] value) {
        ClaimResult result = storage().attemptLock(key, value, lease);
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
