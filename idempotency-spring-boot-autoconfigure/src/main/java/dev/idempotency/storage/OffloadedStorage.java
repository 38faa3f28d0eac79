package dev.idempotency.storage;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The asynchronous form of a storage that can only block (JDBC, or a client without an
 * asynchronous API): each call runs on {@code blockingCalls}, a bounded executor, never on the
 * caller's thread, and completes its stage there.
 */
final class OffloadedStorage implements AsyncIdempotencyStorage {

    private final IdempotencyStorage storage;
    private final Executor blockingCalls;

    OffloadedStorage(IdempotencyStorage storage, Executor blockingCalls) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.blockingCalls = Objects.requireNonNull(blockingCalls, "blockingCalls");
    }

    @Override
    public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
        return offload(() -> storage.attemptLock(key, value, lease));
    }

    @Override
    public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return offload(() -> storage.complete(key, token, value, retention));
    }

    @Override
    public CompletionStage<Boolean> release(String key, OwnerToken token) {
        return offload(() -> storage.release(key, token));
    }

    @Override
    public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
        return offload(() -> storage.extend(key, token, lease));
    }

    private <T> CompletionStage<T> offload(Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call, blockingCalls);
        }
        catch (RejectedExecutionException ex) {
            return CompletableFuture.failedFuture(new IdempotencyStorageException("The " + storage.name()
                    + " idempotency storage's calls are not accepted any more: the application is shutting down", ex));
        }
    }
}
