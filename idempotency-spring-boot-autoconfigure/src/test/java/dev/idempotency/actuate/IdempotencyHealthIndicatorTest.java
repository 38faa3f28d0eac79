package dev.idempotency.actuate;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;

import static org.assertj.core.api.Assertions.assertThat;

class IdempotencyHealthIndicatorTest {

    @Test
    void upWhenTheStorageAnswersItsPing() {
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1))) {
            Health health = new IdempotencyHealthIndicator(storage).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("storage", "memory");
        }
    }

    @Test
    void downWithTheErrorWhenItDoesNot() {
        Health health = new IdempotencyHealthIndicator(new Unreachable()).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("storage", "redis")
                .hasEntrySatisfying("error", error -> assertThat(error.toString()).contains("no answer"));
    }

    private static final class Unreachable implements IdempotencyStorage {

        @Override
        public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean release(String key, OwnerToken token) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean extend(String key, OwnerToken token, Duration lease) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean delete(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<StoredEntry> read(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void ping() {
            throw new IdempotencyStorageException("no answer within 2s");
        }

        @Override
        public String name() {
            return "redis";
        }
    }
}
