package dev.idempotency.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
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
 * never run a second time by a retry; and retries the storing of results the storage refused.
 * Close it to stop both.
 *
 * <p>A claim does not get a timer of its own: it joins a set of live claims, and one periodic
 * sweep renews those whose quarter of a lease has passed. Almost every claim ends long before
 * that, so the cost per claim is one insert into and one removal from a concurrent set, with no
 * lock shared by every request. The sweep runs every twelfth of the shortest lease seen, and at
 * least every 100 ms. A renewal the storage fails is tried again a twelfth of a lease later, so
 * two failures in a row still leave most of the lease.
 *
 * <p>Threads: one timer thread runs the sweeps and the retry delays and never calls the storage;
 * the storage calls run on up to {@value #STORAGE_CALL_THREADS} threads of their own, side by
 * side, each of which may block up to the storage's timeout. That many renewals in flight at
 * once keep up with, for example, 2,400 live claims on a 30 s lease when each renewal takes
 * 50 ms (a renewal every 7.5 s each: 320 renewals a second, 16 at a time for 50 ms); idle
 * threads end after {@value #IDLE_SECONDS} seconds.
 */
public final class LeaseScheduler implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaseScheduler.class);

    static final int STORAGE_CALL_THREADS = 16;
    private static final int IDLE_SECONDS = 30;
    private static final long LONGEST_SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SHORTEST_SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long {@link #close()} waits for storage calls in flight, so they end before the storage's client closes. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor storageCalls;
    private final Set<Renewal> live = ConcurrentHashMap.newKeySet();
    private final Object sweepLock = new Object();
    private volatile long sweepPeriodNanos = Long.MAX_VALUE;
    private volatile boolean closed;
    private ScheduledFuture<?> sweep;

    /** Creates a scheduler whose daemon threads start when first needed; {@link #close()} stops them. */
    public LeaseScheduler() {
        this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads("idempotency-lease-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.storageCalls = new ThreadPoolExecutor(STORAGE_CALL_THREADS, STORAGE_CALL_THREADS, IDLE_SECONDS,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemonThreads("idempotency-lease"));
        this.storageCalls.allowCoreThreadTimeOut(true);
    }

    private static ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** How many claims are being renewed; for tests. */
    int renewing() {
        return live.size();
    }

    /** How many tasks the timer holds queued; for tests. */
    int queued() {
        return timer.getQueue().size();
    }

    /**
     * Starts renewing the lease of {@code token} on {@code key}. When a renewal finds the key
     * owned by someone else, renewal stops and {@code onLost} runs. A renewal the storage fails
     * is logged and tried again a twelfth of a lease later.
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
            if (wanted >= sweepPeriodNanos || closed) {
                return;
            }
            if (sweep != null) {
                sweep.cancel(false);
            }
            sweep = timer.scheduleAtFixedRate(this::sweep, wanted, wanted, TimeUnit.NANOSECONDS);
            sweepPeriodNanos = wanted;
        }
    }

    /** Hands every renewal that is due to the storage-call threads, so one slow storage call delays no sweep. */
    private void sweep() {
        long now = System.nanoTime();
        for (Renewal renewal : live) {
            if (renewal.isDue(now) && renewal.queued.compareAndSet(false, true)) {
                callStorage(renewal::renewOnce);
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
        if (closed) {
            return;
        }
        timer.schedule(() -> callStorage(() -> {
            if (closed || attempt.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis) >= deadline) {
                onGiveUp.run();
                return;
            }
            scheduleRetry(attempt, Math.min(delayMillis * 2, 2000), deadline, onGiveUp);
        }), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void callStorage(Runnable call) {
        try {
            storageCalls.execute(call);
        }
        catch (RejectedExecutionException ex) {
            // Closed meanwhile: nothing is renewed or retried any more.
        }
    }

    /**
     * Stops renewing and retrying, then waits up to {@code CLOSE_TIMEOUT} for the storage calls in
     * flight, so that none reaches a storage whose client closes after this.
     */
    @Override
    public void close() {
        synchronized (sweepLock) {
            closed = true;
            timer.shutdownNow();
        }
        live.clear();
        storageCalls.shutdownNow();
        try {
            if (!storageCalls.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                logger.warn("Idempotency lease renewals still wait for the storage after {}; closing anyway",
                        CLOSE_TIMEOUT);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
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
        private volatile boolean stopped;

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
                if (stopped || closed) {
                    return;
                }
                dueNanos = System.nanoTime() + periodNanos;
                // Stopped meanwhile by stopNow: the claim ended, so a refusal means its entry is gone, not lost.
                if (!storage.extend(key, token, lease) && !stopped) {
                    stopLocked();
                    onLost.run();
                }
            }
            catch (IdempotencyStorageException ex) {
                dueNanos = System.nanoTime() + periodNanos / 3;
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

        /**
         * Stops renewing without waiting for a renewal in flight, for a caller that must not
         * block (an event loop). A renewal in flight may still reach the storage after the
         * operation that ends the claim: on a completed entry its extend answers {@code true}
         * (see {@link IdempotencyStorage#extend}), on a released one it answers {@code false},
         * which a stopped renewal does not report as lost.
         */
        void stopNow() {
            stopped = true;
            live.remove(this);
        }

        private void stopLocked() {
            stopped = true;
            live.remove(this);
        }
    }
}
