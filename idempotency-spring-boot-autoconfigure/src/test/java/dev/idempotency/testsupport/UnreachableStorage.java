package dev.idempotency.testsupport;

import java.time.Duration;
import java.util.Optional;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

/** A storage that never answers: every operation fails as an unreachable store does. */
public final class UnreachableStorage implements IdempotencyStorage {

    private final String name;

    public UnreachableStorage(String name) {
        this.name = name;
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        throw unreachable();
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        throw unreachable();
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        throw unreachable();
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        throw unreachable();
    }

    @Override
    public boolean delete(String key) {
        throw unreachable();
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        throw unreachable();
    }

    @Override
    public void ping() {
        throw unreachable();
    }

    @Override
    public String name() {
        return name;
    }

    private static IdempotencyStorageException unreachable() {
        return new IdempotencyStorageException("connection refused");
    }
}
