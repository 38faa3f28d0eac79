package dev.idempotency.actuate;

import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.engine.ClaimOptions;
import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.ResultCodec;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.jdbc.JdbcIdempotencyStorage;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.IdempotencyTable;
import dev.idempotency.testsupport.TestDatabase;
import dev.idempotency.testsupport.Utf8Codec;
import dev.idempotency.testsupport.UnreachableStorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The request counter and the storage timer, on a real engine over the in-memory storage. */
class IdempotencyMetricsTest {

    private static final ResultCodec<String> CODEC = Utf8Codec.PLAIN;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryIdempotencyStorage memory = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final IdempotencyKeeper keeper = keeper(memory, Duration.ofSeconds(30));

    private final IdempotencyKey key = new IdempotencyKey("orders", "key-1");
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();

    @AfterEach
    void close() {
        keeper.close();
        memory.close();
    }

    @Test
    void aFirstRunIsCountedExecutedAndItsRetryReplayedWithTheStorageTag() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");
        keeper.execute(key, fingerprint, CODEC, () -> "created again");

        assertThat(requests("executed", "memory")).isEqualTo(1);
        assertThat(requests("replayed", "memory")).isEqualTo(1);
    }

    @Test
    void aDuplicateWhileTheFirstRunsIsCountedConflict() {
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);

        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
        first.complete(CODEC.encode("done"));

        assertThat(requests("conflict", "memory")).isEqualTo(1);
        assertThat(requests("executed", "memory")).isEqualTo(1);
    }

    @Test
    void theKeyReusedForAnotherRequestIsCountedMismatch() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");

        assertThatThrownBy(() -> keeper.claim(key, RequestFingerprint.builder().add("order B").build()))
                .isInstanceOf(IdempotencyKeyReusedException.class);

        assertThat(requests("mismatch", "memory")).isEqualTo(1);
    }

    @Test
    void aStorageThatCannotAnswerIsCountedStorageErrorAndTimedAsAClaimError() {
        try (IdempotencyKeeper broken = keeper(new UnreachableStorage("broken"), Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> broken.claim(key, fingerprint)).isInstanceOf(IdempotencyStorageException.class);
        }

        assertThat(requests("storage_error", "broken")).isEqualTo(1);
        assertThat(timer("claim", "error", "broken").count()).isEqualTo(1);
    }

    @Test
    void aClaimTakenOverBeforeItsResultIsStoredIsCountedLockLostAndTimedAsALostCompletion() {
        OwnedKey stale = (OwnedKey) keeper.claim(key, fingerprint);
        keeper.evict(key);
        OwnedKey owner = (OwnedKey) keeper.claim(key, fingerprint);

        assertThat(stale.complete(CODEC.encode("stale"))).isFalse();
        assertThat(owner.complete(CODEC.encode("fresh"))).isTrue();

        assertThat(requests("lock_lost", "memory")).isEqualTo(1);
        assertThat(requests("executed", "memory")).isEqualTo(1);
        assertThat(timer("complete", "lost", "memory").count()).isEqualTo(1);
        assertThat(timer("complete", "ok", "memory").count()).isEqualTo(1);
    }

    @Test
    void aRequestRefusedBeforeItsClaimIsCountedRejected() {
        keeper.rejected();

        assertThat(requests("rejected", "memory")).isEqualTo(1);
    }

    @Test
    void everyClaimAndCompletionIsTimedByResult() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");
        keeper.execute(key, fingerprint, CODEC, () -> "created again");

        assertThat(timer("claim", "acquired", "memory").count()).isEqualTo(1);
        assertThat(timer("claim", "held", "memory").count()).isEqualTo(1);
        assertThat(timer("complete", "ok", "memory").count()).isEqualTo(1);
        assertThat(timer("claim", "acquired", "memory").totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isPositive();
    }

    @Test
    void aFailedRunIsTimedAsARelease() {
        assertThatIllegalStateException().isThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            throw new IllegalStateException("failed");
        }));

        assertThat(timer("release", "ok", "memory").count()).isEqualTo(1);
        assertThat(requests("executed", "memory")).isEqualTo(1);
    }

    @Test
    void leaseRenewalsAreTimedAsRenew() throws InterruptedException {
        OwnedKey owned = (OwnedKey) keeper.claim(key, fingerprint,
                ClaimOptions.DEFAULTS.withLease(Duration.ofMillis(900)));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (renewals() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        owned.complete(CODEC.encode("slow"));

        // ok, unless a loaded machine delayed the renewal past the lease (then lost): timed either way.
        assertThat(renewals()).isPositive();
    }

    private long renewals() {
        return registry.find(TimedIdempotencyStorage.TIMER).tag("operation", "renew").timers().stream()
                .mapToLong(Timer::count)
                .sum();
    }

    @Test
    void aConfirmationBeforeACommitIsTimedAsConfirmAndJoinsTheTransactionAsTheStorageDoes() {
        try (HikariDataSource h2 = new TestDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa")
                .pool(2)) {
            IdempotencyStorage timed = new TimedIdempotencyStorage(
                    new JdbcIdempotencyStorage(h2, IdempotencyTable.create(h2).name(), null), registry);
            OwnerToken token = ((ClaimResult.Acquired) timed.attemptLock("confirmed", new byte[] { 1 },
                    Duration.ofMinutes(1))).token();

            new TransactionTemplate(new DataSourceTransactionManager(h2)).executeWithoutResult(status -> {
                assertThat(timed.joinsCurrentTransaction()).isTrue();
                assertThat(timed.confirmBeforeCommit("confirmed", token, new byte[] { 2 }, Duration.ofMinutes(1),
                        Duration.ofMinutes(5))).isTrue();
            });

            assertThat(timer("confirm", "ok", "jdbc").count()).isEqualTo(1);
            assertThat(timed.read("confirmed")).hasValueSatisfying(entry -> assertThat(entry.value()).containsExactly(2));
        }
    }

    @Test
    void theTimerAndCounterNeverCarryTheKey() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");

        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
                .noneMatch(tag -> tag.getValue().contains("key-1") || tag.getValue().contains("orders")));
    }

    private IdempotencyKeeper keeper(IdempotencyStorage storage, Duration lease) {
        return new IdempotencyKeeper(new TimedIdempotencyStorage(storage, registry), "metrics.", Duration.ofMinutes(5),
                lease, FailureMode.FAIL_CLOSED, new IdempotencyMetricsListener(registry));
    }

    private double requests(String outcome, String storage) {
        Counter counter = registry.find(IdempotencyMetricsListener.REQUESTS)
                .tags("outcome", outcome, "storage", storage)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private Timer timer(String operation, String result, String storage) {
        return registry.get(TimedIdempotencyStorage.TIMER)
                .tags("operation", operation, "result", result, "storage", storage)
                .timer();
    }
}
