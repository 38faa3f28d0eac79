package dev.idempotency.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Takeover#NEVER}: a key whose first request started and never finished (its instance
 * stopped renewing it) is refused until an operator evicts it, instead of being taken over and
 * run again after the lease. Instances are keepers sharing one storage; one that is closed
 * renews nothing more, as a killed one.
 */
class NeverTakeoverTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration LEASE = Duration.ofMillis(300);
    private static final long PAST_LEASE_MILLIS = 700;
    private static final ResultCodec<String> CODEC = new Utf8Codec("replayed:");

    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final List<IdempotencyKeeper> keepers = new ArrayList<>();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final IdempotencyListener listener = new IdempotencyListener() {
        @Override
        public Execution started(String storageName) {
            return outcomes::add;
        }
    };

    private final IdempotencyKey key = new IdempotencyKey("payments", "withdrawal-1");
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("withdraw 100").build();

    @AfterEach
    void closeEverything() {
        keepers.forEach(IdempotencyKeeper::close);
        storage.close();
    }

    @Test
    void aKeyWhoseHolderDiedIsRefusedAfterItsLeaseUntilAnOperatorEvictsIt() throws Exception {
        holdAndDie(keeper(Takeover.NEVER));
        IdempotencyKeeper survivor = keeper(Takeover.NEVER);
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> survivor.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet()))
                .as("within the lease").isInstanceOf(IdempotentRequestInProgressException.class);
        Thread.sleep(PAST_LEASE_MILLIS);
        for (int retry = 0; retry < 3; retry++) {
            assertThatThrownBy(() -> survivor.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet()))
                    .as("after the lease").isInstanceOf(IdempotentOutcomeUnknownException.class);
            Thread.sleep(LEASE.toMillis());
        }
        assertThat(runs).as("runs before the operator decided").hasValue(0);
        assertThat(survivor.inspect(key)).hasValueSatisfying(
                state -> assertThat(state.status()).isEqualTo(KeyState.Status.ABANDONED));
        assertThat(outcomes).contains(Outcome.CONFLICT, Outcome.ABANDONED).doesNotContain(Outcome.EXECUTED);

        assertThat(survivor.evict(key)).isTrue();

        assertThat(survivor.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet())).isEqualTo("run 1");
        assertThat(survivor.execute(key, fingerprint, CODEC, () -> "run " + runs.incrementAndGet()))
                .isEqualTo("replayed:run 1");
    }

    @Test
    void anAbandonedKeySentWithAnotherPayloadIsAReusedKey() throws Exception {
        holdAndDie(keeper(Takeover.NEVER));
        Thread.sleep(PAST_LEASE_MILLIS);
        RequestFingerprint another = RequestFingerprint.builder().add("withdraw 999").build();

        assertThatThrownBy(() -> keeper(Takeover.NEVER).execute(key, another, CODEC, () -> "ran"))
                .isInstanceOf(IdempotencyKeyReusedException.class);
    }

    @Test
    void workThatFailsReleasesItsKeySoARetryRunsAgain() {
        IdempotencyKeeper keeper = keeper(Takeover.NEVER);

        assertThatThrownBy(() -> keeper.execute(key, fingerprint, CODEC, () -> {
            throw new IllegalStateException("the bank said no");
        })).hasMessage("the bank said no");

        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "second try")).isEqualTo("second try");
        assertThat(keeper.execute(key, fingerprint, CODEC, () -> "third try")).isEqualTo("replayed:second try");
    }

    @Test
    void completedWorkIsReplayedAsUsual() {
        IdempotencyKeeper keeper = keeper(Takeover.NEVER);
        keeper.execute(key, fingerprint, CODEC, () -> "paid");

        assertThat(keeper(Takeover.NEVER).execute(key, fingerprint, CODEC, () -> "paid again")).isEqualTo("replayed:paid");
    }

    @Test
    void theCallDecidesOverTheKeepersDefaultEitherWay() throws Exception {
        IdempotencyKey neverKey = new IdempotencyKey("payments", "never");
        IdempotencyKey afterLeaseKey = new IdempotencyKey("payments", "after-lease");
        IdempotencyKeeper dying = keeper(Takeover.AFTER_LEASE);
        assertThat(dying.claim(neverKey, fingerprint, ClaimOptions.DEFAULTS.withTakeover(Takeover.NEVER)))
                .isInstanceOf(OwnedKey.class);
        IdempotencyKeeper dyingToo = keeper(Takeover.NEVER);
        assertThat(dyingToo.claim(afterLeaseKey, fingerprint, ClaimOptions.DEFAULTS.withTakeover(Takeover.AFTER_LEASE)))
                .isInstanceOf(OwnedKey.class);
        dying.close();
        dyingToo.close();
        Thread.sleep(PAST_LEASE_MILLIS);

        assertThatThrownBy(() -> keeper(Takeover.AFTER_LEASE).claim(neverKey, fingerprint,
                ClaimOptions.DEFAULTS.withTakeover(Takeover.NEVER))).isInstanceOf(IdempotentOutcomeUnknownException.class);
        assertThat(keeper(Takeover.NEVER).claim(afterLeaseKey, fingerprint,
                ClaimOptions.DEFAULTS.withTakeover(Takeover.AFTER_LEASE))).isInstanceOf(OwnedKey.class);
    }

    @Test
    void afterLeaseTakesADeadHoldersKeyOverAndRunsItAgain() throws Exception {
        holdAndDie(keeper(Takeover.AFTER_LEASE));
        Thread.sleep(PAST_LEASE_MILLIS);

        assertThat(keeper(Takeover.AFTER_LEASE).execute(key, fingerprint, CODEC, () -> "ran again")).isEqualTo("ran again");
    }

    @Test
    void aKeeperCannotDefaultToDefault() {
        assertThatThrownBy(() -> new IdempotencyKeeper(storage, "test.", RETENTION, LEASE, FailureMode.FAIL_CLOSED,
                Takeover.DEFAULT, IdempotencyListener.NONE)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Claims the key and dies holding it: nothing renews the lease, completes or releases the key. */
    private void holdAndDie(IdempotencyKeeper instance) {
        assertThat(instance.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);
        instance.close();
    }

    private IdempotencyKeeper keeper(Takeover takeover) {
        IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "test.", RETENTION, LEASE, FailureMode.FAIL_CLOSED,
                takeover, listener);
        keepers.add(keeper);
        return keeper;
    }
}
