package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

/**
 * A storage whose backend could not be set up when the application started (its server did not
 * answer) and is set up on first use instead: every call until then tries again, at most once per
 * {@code retryEvery}, and fails as the storage being unavailable does. So the application starts
 * while its store is down, protected requests get 503 and the health check is DOWN until the store
 * answers, as with a Redis that is down at start-up. A backend that answers but refuses its
 * settings (a bucket that would break the guarantees) is a {@link IllegalStateException} from the
 * set-up: it is reported on every call, as no retry mends it.
 */
final class DeferredStorage implements IdempotencyStorage, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DeferredStorage.class);

    private final String name;
    private final Callable<IdempotencyStorage> setUp;
    private final long retryEveryNanos;
    private volatile IdempotencyStorage backend;
    private long nextAttemptNanos;
    private RuntimeException lastFailure;

    /**
     * @param name the storage's name, for metrics and messages, until the backend tells its own
     * @param setUp connects and builds the backend; an exception means "not yet"
     * @param firstFailure why the set-up failed at start-up
     */
    DeferredStorage(String name, Callable<IdempotencyStorage> setUp, Duration retryEvery, RuntimeException firstFailure) {
        this.name = Objects.requireNonNull(name, "name");
        this.setUp = Objects.requireNonNull(setUp, "setUp");
        this.retryEveryNanos = retryEvery.toNanos();
        this.lastFailure = firstFailure;
        this.nextAttemptNanos = System.nanoTime() + retryEveryNanos;
    }

    /** Whether the backend is set up. */
    boolean started() {
        return backend != null;
    }

    private IdempotencyStorage backend() {
        IdempotencyStorage started = backend;
        return started != null ? started : start();
    }

    private synchronized IdempotencyStorage start() {
        if (backend != null) {
            return backend;
        }
        if (System.nanoTime() - nextAttemptNanos >= 0) {
            nextAttemptNanos = System.nanoTime() + retryEveryNanos;
            try {
                backend = setUp.call();
                logger.info("The {} idempotency storage answers now and is set up", name);
                return backend;
            }
            catch (Exception ex) {
                lastFailure = ex instanceof RuntimeException runtime ? runtime
                        : new IdempotencyStorageException(ex.getMessage(), ex);
            }
        }
        if (lastFailure instanceof IllegalStateException misconfigured) {
            throw misconfigured;
        }
        throw new IdempotencyStorageException("The " + name + " idempotency storage is not set up yet (tried again "
                + "at most every " + Duration.ofNanos(retryEveryNanos) + "): " + lastFailure.getMessage(), lastFailure);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        return backend().attemptLock(key, value, lease);
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return backend().complete(key, token, value, retention);
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return backend().release(key, token);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return backend().extend(key, token, lease);
    }

    @Override
    public boolean confirmBeforeCommit(String key, OwnerToken token, byte[] committedValue, Duration lease,
            Duration retention) {
        return backend().confirmBeforeCommit(key, token, committedValue, lease, retention);
    }

    /**
     * The backend's asynchronous form once set up; until then each call runs on
     * {@code blockingCalls}, where it may set the backend up.
     */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        return new BackendAsync(IdempotencyStorage.super.async(blockingCalls), blockingCalls);
    }

    /** Never a call to the store: {@code false} until the backend is set up. */
    @Override
    public boolean joinsCurrentTransaction() {
        IdempotencyStorage started = backend;
        return started != null && started.joinsCurrentTransaction();
    }

    @Override
    public boolean delete(String key) {
        return backend().delete(key);
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        return backend().read(key);
    }

    @Override
    public void ping() {
        backend().ping();
    }

    /** The backend's wait once set up; until then the default sleep, after which the claim fails as unavailable. */
    @Override
    public void awaitChange(String key, Duration timeout) throws InterruptedException {
        IdempotencyStorage started = backend;
        if (started != null) {
            started.awaitChange(key, timeout);
        }
        else {
            IdempotencyStorage.super.awaitChange(key, timeout);
        }
    }

    /**
     * The backend's limit once set up. Until then no claim gets through, so none can ask for more
     * than the backend keeps.
     */
    @Override
    public Optional<Duration> longestEntryLife() {
        IdempotencyStorage started = backend;
        return started != null ? started.longestEntryLife() : Optional.empty();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() throws Exception {
        if (backend instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** The asynchronous form of whichever backend answers: the offloaded set-up, then the backend's own. */
    private final class BackendAsync implements AsyncIdempotencyStorage {

        private final AsyncIdempotencyStorage offloaded;
        private final Executor blockingCalls;
        private volatile AsyncIdempotencyStorage started;

        private BackendAsync(AsyncIdempotencyStorage offloaded, Executor blockingCalls) {
            this.offloaded = offloaded;
            this.blockingCalls = blockingCalls;
        }

        private AsyncIdempotencyStorage current() {
            AsyncIdempotencyStorage async = started;
            if (async != null) {
                return async;
            }
            IdempotencyStorage setUp = backend;
            if (setUp == null) {
                return offloaded;
            }
            started = setUp.async(blockingCalls);
            return started;
        }

        @Override
        public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
            return current().attemptLock(key, value, lease);
        }

        @Override
        public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
            return current().complete(key, token, value, retention);
        }

        @Override
        public CompletionStage<Boolean> release(String key, OwnerToken token) {
            return current().release(key, token);
        }

        @Override
        public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
            return current().extend(key, token, lease);
        }
    }
}
