package dev.idempotency.storage;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The asynchronous form of a storage whose calls never wait on I/O or on another thread (the
 * in-memory one): each call runs on the caller's thread and answers a completed stage.
 */
public final class ImmediateStorage implements AsyncIdempotencyStorage {

    private final IdempotencyStorage storage;

    /** @param storage one whose claim protocol never blocks */
    public ImmediateStorage(IdempotencyStorage storage) {
        this.storage = storage;
    }

    @Override
    public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
        return now(() -> storage.attemptLock(key, value, lease));
    }

    @Override
    public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return now(() -> storage.complete(key, token, value, retention));
    }

    @Override
    public CompletionStage<Boolean> release(String key, OwnerToken token) {
        return now(() -> storage.release(key, token));
    }

    @Override
    public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
        return now(() -> storage.extend(key, token, lease));
    }

    private static <T> CompletionStage<T> now(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }
}
