package dev.idempotency.storage.memory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryIdempotencyStorageTest extends IdempotencyStorageContractTest {

    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10_000, Duration.ofMinutes(1));

    @Override
    protected IdempotencyStorage storage() {
        return storage;
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void whenFullANewClaimIsRefusedWithAStorageError() {
        try (InMemoryIdempotencyStorage small = new InMemoryIdempotencyStorage(2, Duration.ofMinutes(1))) {
            small.attemptLock("a", bytes("a"), LONG);
            small.attemptLock("b", bytes("b"), LONG);

            assertThatThrownBy(() -> small.attemptLock("c", bytes("c"), LONG))
                    .isInstanceOf(IdempotencyStorageException.class)
                    .hasMessageContaining("idempotency.storage.memory.max-entries");
            assertThat(small.attemptLock("a", bytes("again"), LONG)).isInstanceOf(ClaimResult.Held.class);
            assertThat(small.size()).isEqualTo(2);
        }
    }

    @Test
    void whenFullExpiredEntriesMakeRoomButLiveOnesAreNeverEvicted() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage small = new InMemoryIdempotencyStorage(2, Duration.ofMinutes(1), clock)) {
            small.attemptLock("short", bytes("s"), Duration.ofSeconds(1));
            small.attemptLock("long", bytes("l"), Duration.ofHours(1));
            clock.advance(Duration.ofSeconds(2));

            assertThat(small.attemptLock("new", bytes("n"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(small.attemptLock("long", bytes("x"), LONG)).isInstanceOf(ClaimResult.Held.class);
            assertThatThrownBy(() -> small.attemptLock("third", bytes("t"), LONG))
                    .isInstanceOf(IdempotencyStorageException.class);
        }
    }

    @Test
    void sweepDropsExpiredEntriesOnly() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1), clock)) {
            OwnerToken token = ((ClaimResult.Acquired) storage.attemptLock("done", bytes("d"), LONG)).token();
            storage.complete("done", token, bytes("d"), Duration.ofSeconds(5));
            storage.attemptLock("running", bytes("r"), Duration.ofHours(1));
            clock.advance(Duration.ofSeconds(10));

            storage.sweep();

            assertThat(storage.size()).isEqualTo(1);
            assertThat(storage.attemptLock("running", bytes("x"), LONG)).isInstanceOf(ClaimResult.Held.class);
        }
    }

    @Test
    void leaseEndIsJudgedByTheInjectedClock() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1), clock)) {
            OwnerToken stale = ((ClaimResult.Acquired) storage.attemptLock("k", bytes("v"), Duration.ofSeconds(30))).token();
            clock.advance(Duration.ofSeconds(29));
            assertThat(storage.attemptLock("k", bytes("w"), LONG)).isInstanceOf(ClaimResult.Held.class);

            clock.advance(Duration.ofSeconds(1));
            assertThat(storage.attemptLock("k", bytes("w"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(storage.complete("k", stale, bytes("stale"), LONG)).isFalse();
        }
    }

    private static final class MutableClock implements InstantSource {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }
    }
}
