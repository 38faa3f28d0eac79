package dev.idempotency.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * The engine's background work: renews the lease of every key whose work is running, between a
 * quarter and a third of a lease after the last renewal, so a handler slower than the lease is
 * never run a second time by a retry; and retries the storing of results the storage refused. Two
 * daemon threads; close it to stop them.
 *
 * <p>A claim does not get a timer of its own: it joins a set of live claims, and one periodic
 * sweep renews those whose quarter of a lease has passed. Almost every claim ends long before
 * that, so the cost per claim is one insert into and one removal from a concurrent set, with no
 * lock shared by every request. The sweep runs every twelfth of the shortest lease seen, and at
 * least every 100 ms.
 */
public final class LeaseScheduler implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaseScheduler.class);

    private static final long LONGEST_SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SHORTEST_SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ScheduledThreadPoolExecutor executor;
    private final Set<Renewal> live = ConcurrentHashMap.newKeySet();
    private final Object sweepLock = new Object();
    private volatile long sweepPeriodNanos = Long.MAX_VALUE;
    private ScheduledFuture<?> sweep;

    public LeaseScheduler() {
        this.executor = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "idempotency-lease");
            thread.setDaemon(true);
            return thread;
        });
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /** How many claims are being renewed; for tests. */
    int renewing() {
        return live.size();
    }

    /** How many tasks the executor holds queued; for tests. */
    int queued() {
        return executor.getQueue().size();
    }

    /**
     * Starts renewing the lease of {@code token} on {@code key}. When a renewal finds the key
     * owned by someone else, renewal stops and {@code onLost} runs. A renewal the storage fails
     * is logged and tried again a quarter of a lease later.
     */
    Renewal renew(IdempotencyStorage storage, String key, OwnerToken token, Duration lease, Runnable onLost) {
        Renewal renewal = new Renewal(storage, key, token, lease, onLost);
        live.add(renewal);
        sweepAtLeastEvery(Math.max(SHORTEST_SWEEP_PERIOD_NANOS, lease.toNanos() / 12));
        return renewal;
    }

    private void sweepAtLeastEvery(long periodNanos) {
        long wanted = Math.min(periodNanos, LONGEST_SWEEP_PERIOD_NANOS);
        if (wanted >= sweepPeriodNanos) {
            return;
        }
        synchronized (sweepLock) {
            if (wanted >= sweepPeriodNanos || executor.isShutdown()) {
                return;
            }
            if (sweep != null) {
                sweep.cancel(false);
            }
            sweep = executor.scheduleAtFixedRate(this::sweep, wanted, wanted, TimeUnit.NANOSECONDS);
            sweepPeriodNanos = wanted;
        }
    }

    /** Hands every renewal that is due to the executor's threads, so one slow storage call delays no sweep. */
    private void sweep() {
        long now = System.nanoTime();
        for (Renewal renewal : live) {
            if (renewal.isDue(now) && renewal.queued.compareAndSet(false, true)) {
                executor.execute(renewal::renewOnce);
            }
        }
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
        synchronized (sweepLock) {
            executor.shutdownNow();
        }
        live.clear();
    }

    /**
     * One key's renewal. {@link #exclusively} runs an owner operation with no renewal in flight,
     * so a renewal never races the completion that ends the lease.
     */
    final class Renewal {

        private final ReentrantLock lock = new ReentrantLock();
        private final AtomicBoolean queued = new AtomicBoolean();
        private final IdempotencyStorage storage;
        private final String key;
        private final OwnerToken token;
        private final Duration lease;
        private final long periodNanos;
        private final Runnable onLost;
        private volatile long dueNanos;
        private boolean stopped;

        private Renewal(IdempotencyStorage storage, String key, OwnerToken token, Duration lease, Runnable onLost) {
            this.storage = storage;
            this.key = key;
            this.token = token;
            this.lease = lease;
            this.onLost = onLost;
            this.periodNanos = lease.toNanos() / 4;
            this.dueNanos = System.nanoTime() + periodNanos;
        }

        private boolean isDue(long now) {
            return now - dueNanos >= 0;
        }

        private void renewOnce() {
            lock.lock();
            try {
                if (stopped) {
                    return;
                }
                dueNanos = System.nanoTime() + periodNanos;
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
                queued.set(false);
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
            live.remove(this);
        }
    }
}
