package dev.idempotency.engine;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * The engine's background work: renews the lease of every key whose work is running, every third
 * of the lease, so a handler slower than the lease is never run a second time by a retry; and
 * retries the storing of results the storage refused. Two daemon threads; close it to stop them.
 */
public final class LeaseScheduler implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaseScheduler.class);

    private final ScheduledThreadPoolExecutor executor;

    public LeaseScheduler() {
        this.executor = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "idempotency-lease");
            thread.setDaemon(true);
            return thread;
        });
        // Almost every renewal is cancelled when its work ends; kept queued until their first run,
        // cancelled tasks piled up by the hundred thousand under load.
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /** How many renewals and retries are queued; for tests. */
    int queued() {
        return executor.getQueue().size();
    }

    /**
     * Starts renewing the lease of {@code token} on {@code key}. When a renewal finds the key
     * owned by someone else, renewal stops and {@code onLost} runs. A renewal the storage fails
     * is logged and tried again at the next period.
     */
    Renewal renew(IdempotencyStorage storage, String key, OwnerToken token, Duration lease, Runnable onLost) {
        Renewal renewal = new Renewal();
        long period = Math.max(1, lease.toMillis() / 3);
        // Under the renewal's lock, so the first run cannot start before the task is known.
        renewal.lock.lock();
        try {
            renewal.task = executor.scheduleAtFixedRate(() -> renewal.renewOnce(storage, key, token, lease, onLost),
                    period, period, TimeUnit.MILLISECONDS);
        }
        finally {
            renewal.lock.unlock();
        }
        return renewal;
    }

    /**
     * Runs {@code attempt} until it answers {@code true}, backing off from 100 ms up to 2 s,
     * for at most {@code window}; then runs {@code onGiveUp}.
     */
    void retry(BooleanSupplier attempt, Duration window, Runnable onGiveUp) {
        long deadline = System.nanoTime() + window.toNanos();
        scheduleRetry(attempt, 100, deadline, onGiveUp);
    }

    private void scheduleRetry(BooleanSupplier attempt, long delayMillis, long deadline, Runnable onGiveUp) {
        executor.schedule(() -> {
            if (attempt.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis) >= deadline) {
                onGiveUp.run();
                return;
            }
            scheduleRetry(attempt, Math.min(delayMillis * 2, 2000), deadline, onGiveUp);
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * One key's renewal. {@link #exclusively} runs an owner operation with no renewal in flight,
     * so a renewal never races the completion that ends the lease.
     */
    static final class Renewal {

        private final ReentrantLock lock = new ReentrantLock();
        private ScheduledFuture<?> task;
        private boolean stopped;

        private void renewOnce(IdempotencyStorage storage, String key, OwnerToken token, Duration lease, Runnable onLost) {
            lock.lock();
            try {
                if (stopped) {
                    return;
                }
                if (!storage.extend(key, token, lease)) {
                    stopLocked();
                    onLost.run();
                }
            }
            catch (IdempotencyStorageException ex) {
                logger.warn("Could not renew the lease of idempotency key {}; trying again: {}",
                        IdempotencyKeeper.logId(key), ex.getMessage());
            }
            finally {
                lock.unlock();
            }
        }

        /** Runs {@code operation} with no renewal in flight; when it answers {@code true}, renewal stops. */
        boolean exclusively(BooleanSupplier operation) {
            lock.lock();
            try {
                boolean done = operation.getAsBoolean();
                if (done) {
                    stopLocked();
                }
                return done;
            }
            finally {
                lock.unlock();
            }
        }

        /** Stops renewing. */
        void stop() {
            lock.lock();
            try {
                stopLocked();
            }
            finally {
                lock.unlock();
            }
        }

        private void stopLocked() {
            stopped = true;
            task.cancel(false);
        }
    }
}
