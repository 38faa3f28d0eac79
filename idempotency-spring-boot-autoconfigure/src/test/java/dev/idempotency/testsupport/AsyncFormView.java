package dev.idempotency.testsupport;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

/**
 * A storage whose claim protocol goes through another's asynchronous form
 * ({@link IdempotencyStorage#async}), waited for, so that the storage contract tests run against
 * the asynchronous form unchanged. The operator calls go to the blocking form.
 */
public final class AsyncFormView implements IdempotencyStorage {

    /** An executor that runs nothing: a native asynchronous form never needs one. */
    public static final Executor NO_BLOCKING_CALLS = task -> {
        throw new RejectedExecutionException("A native asynchronous form ran a blocking call");
    };

    private final IdempotencyStorage storage;
    private final AsyncIdempotencyStorage async;

    public AsyncFormView(IdempotencyStorage storage, Executor blockingCalls) {
        this.storage = storage;
        this.async = storage.async(blockingCalls);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        return join(async.attemptLock(key, value, lease));
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return join(async.complete(key, token, value, retention));
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return join(async.release(key, token));
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return join(async.extend(key, token, lease));
    }

    @Override
    public boolean delete(String key) {
        return storage.delete(key);
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        return storage.read(key);
    }

    @Override
    public void ping() {
        storage.ping();
    }

    @Override
    public void awaitChange(String key, Duration timeout) throws InterruptedException {
        storage.awaitChange(key, timeout);
    }

    @Override
    public String name() {
        return storage.name();
    }

    /** The stage's value, or what it failed with, as the blocking form would throw it. */
    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw ex;
        }
    }
}
