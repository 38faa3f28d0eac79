package dev.idempotency.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.UnreachableStorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's non-blocking claim ({@link IdempotencyKeeper#claimAsync}) keeps the rules of the blocking one. */
class AsyncClaimTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final InMemoryIdempotencyStorage memory = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final IdempotencyKeeper keeper = new IdempotencyKeeper(memory, "test.", RETENTION, LEASE,
            FailureMode.FAIL_CLOSED, counting());
    private final IdempotencyKey key = new IdempotencyKey("orders", "key-1");
    private final RequestFingerprint fingerprint = fingerprint("order A");

    @AfterEach
    void close() {
        keeper.close();
        memory.close();
    }

    @Test
    void aFreeKeyIsOwnedAndItsAsyncCompletionIsReplayedToTheNextClaim() {
        OwnedKey owned = (OwnedKey) claim(keeper, fingerprint, ClaimOptions.DEFAULTS);

        assertThat(owned.completeAsync(bytes("result")).toCompletableFuture().join()).isTrue();

        assertThat(claim(keeper, fingerprint, ClaimOptions.DEFAULTS)).isInstanceOfSatisfying(ClaimOutcome.Replay.class,
                replay -> assertThat(replay.result()).isEqualTo(bytes("result")));
        assertThat(outcomes).containsExactly(Outcome.EXECUTED, Outcome.REPLAYED);
    }

    @Test
    void concurrentAsyncClaimsOfOneKeyOwnItOnceAndTheOthersAreInProgress() {
        List<CompletableFuture<ClaimOutcome>> claims = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            claims.add(keeper.claimAsync(key, fingerprint, ClaimOptions.DEFAULTS).toCompletableFuture());
        }

        long owners = claims.stream().filter(claim -> claim.handle((outcome, failure) -> outcome instanceof OwnedKey).join())
                .count();
        long inProgress = claims.stream().filter(claim -> claim.handle((outcome, failure) -> failure != null
                && failure.getCause() instanceof IdempotentRequestInProgressException).join()).count();
        assertThat(owners).isEqualTo(1);
        assertThat(inProgress).isEqualTo(63);
    }

    @Test
    void anotherPayloadUnderTheKeyIsAReusedKey() {
        claim(keeper, fingerprint, ClaimOptions.DEFAULTS);

        assertThatThrownBy(() -> claim(keeper, fingerprint("order B"), ClaimOptions.DEFAULTS))
                .isInstanceOf(IdempotencyKeyReusedException.class);
        assertThat(outcomes).containsExactly(Outcome.MISMATCH);
    }

    @Test
    void aWaitingDuplicateGetsTheReplayOnceTheFirstCompletesWithoutHoldingAThread() throws Exception {
        OwnedKey first = (OwnedKey) claim(keeper, fingerprint, ClaimOptions.DEFAULTS);
        CompletableFuture<ClaimOutcome> duplicate = keeper.claimAsync(key, fingerprint,
                ClaimOptions.DEFAULTS.withWait(Duration.ofSeconds(5))).toCompletableFuture();

        Thread.sleep(200);
        assertThat(duplicate).isNotDone();
        first.completeAsync(bytes("result")).toCompletableFuture().join();

        assertThat(duplicate.get(5, TimeUnit.SECONDS)).isInstanceOf(ClaimOutcome.Replay.class);
    }

    @Test
    void anAsyncReleaseLetsTheNextClaimRunAgain() {
        OwnedKey first = (OwnedKey) claim(keeper, fingerprint, ClaimOptions.DEFAULTS);

        assertThat(first.releaseAsync().toCompletableFuture().join()).isTrue();

        assertThat(claim(keeper, fingerprint, ClaimOptions.DEFAULTS)).isInstanceOf(OwnedKey.class);
    }

    @Test
    void underNeverTakeoverAStartThatNeverEndedRefusesTheNextAsOutcomeUnknown() throws Exception {
        ClaimOptions never = ClaimOptions.DEFAULTS.withTakeover(Takeover.NEVER).withLease(Duration.ofMillis(200));
        // An instance that claims and dies: its lease is no longer renewed.
        try (IdempotencyKeeper crashed = new IdempotencyKeeper(memory, "test.", RETENTION, LEASE)) {
            claim(crashed, fingerprint, never);
        }
        Thread.sleep(400);

        assertThatThrownBy(() -> claim(keeper, fingerprint, never)).isInstanceOf(IdempotentOutcomeUnknownException.class);
    }

    @Test
    void failingClosedAnUnreachableStorageFailsTheStage() {
        try (IdempotencyKeeper closed = new IdempotencyKeeper(new UnreachableStorage("down"), "test.", RETENTION, LEASE)) {
            assertThatThrownBy(() -> claim(closed, fingerprint, ClaimOptions.DEFAULTS))
                    .isInstanceOf(IdempotencyStorageException.class);
        }
    }

    @Test
    void failingOpenAnUnreachableStorageRunsUnprotected() {
        try (IdempotencyKeeper open = new IdempotencyKeeper(new UnreachableStorage("down"), "test.", RETENTION, LEASE,
                FailureMode.FAIL_OPEN, IdempotencyListener.NONE)) {
            assertThat(claim(open, fingerprint, ClaimOptions.DEFAULTS)).isInstanceOf(ClaimOutcome.Unprotected.class);
        }
    }

    @Test
    void aStorageThatCanOnlyBlockIsCalledOnTheEnginesStorageThreadsNeverOnTheCallers() {
        BlockingOnly blocking = new BlockingOnly(memory);
        try (IdempotencyKeeper offloading = new IdempotencyKeeper(blocking, "test.", RETENTION, LEASE)) {
            OwnedKey owned = (OwnedKey) claim(offloading, fingerprint, ClaimOptions.DEFAULTS);
            owned.completeAsync(bytes("result")).toCompletableFuture().join();
            claim(offloading, fingerprint, ClaimOptions.DEFAULTS);
        }

        assertThat(blocking.callingThreads).containsExactly("idempotency-storage-call");
    }

    private ClaimOutcome claim(IdempotencyKeeper on, RequestFingerprint requestFingerprint, ClaimOptions options) {
        try {
            return on.claimAsync(key, requestFingerprint, options).toCompletableFuture().join();
        }
        catch (CompletionException ex) {
            throw (RuntimeException) ex.getCause();
        }
    }

    private IdempotencyListener counting() {
        return new IdempotencyListener() {
            @Override
            public Execution started(String storage) {
                return outcomes::add;
            }
        };
    }

    private static RequestFingerprint fingerprint(String body) {
        return RequestFingerprint.builder().add("POST").add("/orders").add(body).build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A storage without an asynchronous form of its own, which records the threads its claim protocol runs on. */
    private static final class BlockingOnly implements IdempotencyStorage {

        private final IdempotencyStorage delegate;
        private final Set<String> callingThreads = ConcurrentHashMap.newKeySet();

        BlockingOnly(IdempotencyStorage delegate) {
            this.delegate = delegate;
        }

        private void record() {
            callingThreads.add(Thread.currentThread().getName());
        }

        @Override
        public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
            record();
            return delegate.attemptLock(key, value, lease);
        }

        @Override
        public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
            record();
            return delegate.complete(key, token, value, retention);
        }

        @Override
        public boolean release(String key, OwnerToken token) {
            record();
            return delegate.release(key, token);
        }

        @Override
        public boolean extend(String key, OwnerToken token, Duration lease) {
            record();
            return delegate.extend(key, token, lease);
        }

        @Override
        public boolean delete(String key) {
            return delegate.delete(key);
        }

        @Override
        public Optional<StoredEntry> read(String key) {
            return delegate.read(key);
        }

        @Override
        public void ping() {
            delegate.ping();
        }

        @Override
        public String name() {
            return "blocking-only";
        }
    }
}
