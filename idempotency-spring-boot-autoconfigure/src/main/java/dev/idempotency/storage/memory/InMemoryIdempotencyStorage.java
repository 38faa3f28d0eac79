package dev.idempotency.storage.memory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.ImmediateStorage;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.OwnerTokens;
import dev.idempotency.storage.StoredEntry;

/**
 * An {@link IdempotencyStorage} in this JVM's heap, for a single instance or for tests.
 *
 * <p>Each operation is one {@link ConcurrentHashMap#compute} on its key, so operations on the
 * same key are atomic and operations on different keys do not contend. Expired entries are
 * dropped lazily when touched and by a periodic sweep. The number of entries is bounded: when
 * full (after dropping expired entries) a new claim fails with an
 * {@link IdempotencyStorageException}; live entries, in progress or completed, are never evicted.
 *
 * <p>Leases and retentions are judged by a monotonic clock ({@link System#nanoTime()}), never by
 * the wall clock: a clock step (NTP, a manual change) neither ends a running request's lease nor
 * a result's retention. The wall clock only dates the {@link StoredEntry#expiresAt()} that
 * {@link #read} shows. Durations are kept for at most 100 years.
 */
public final class InMemoryIdempotencyStorage implements IdempotencyStorage, AutoCloseable {

    private static final Duration LONGEST = Duration.ofDays(36_500);

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final OwnerTokens tokens = new OwnerTokens();
    private final int maxEntries;
    private final InstantSource wallClock;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService sweeper;

    /**
     * Creates a storage on the system's clocks; see
     * {@link #InMemoryIdempotencyStorage(int, Duration, InstantSource, LongSupplier)}.
     *
     * @param maxEntries the most entries held at once, at least 1
     * @param sweepInterval how often expired entries are dropped, positive
     * @throws IllegalArgumentException when {@code maxEntries} or {@code sweepInterval} is out of range
     */
    public InMemoryIdempotencyStorage(int maxEntries, Duration sweepInterval) {
        this(maxEntries, sweepInterval, InstantSource.system(), System::nanoTime);
    }

    /**
     * Creates a storage holding at most {@code maxEntries} entries that drops expired entries
     * every {@code sweepInterval} on a daemon thread, stopped by {@link #close()}.
     *
     * @param maxEntries the most entries held at once, at least 1
     * @param sweepInterval how often expired entries are dropped, positive
     * @param wallClock dates what {@link #read} shows; decides nothing
     * @param nanoTime a monotonic clock in nanoseconds, read as {@link System#nanoTime()} is (only
     *     differences count); it judges every lease and retention
     * @throws IllegalArgumentException when {@code maxEntries} or {@code sweepInterval} is out of range
     */
    public InMemoryIdempotencyStorage(int maxEntries, Duration sweepInterval, InstantSource wallClock,
            LongSupplier nanoTime) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        if (sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException("sweepInterval must be positive, was " + sweepInterval);
        }
        this.maxEntries = maxEntries;
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idempotency-memory-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        long period = sweepInterval.toMillis();
        this.sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        long now = nanoTime.getAsLong();
        if (size.get() >= maxEntries) {
            sweep();
        }
        ClaimResult[] result = new ClaimResult[1];
        entries.compute(key, (k, current) -> {
            if (current != null && !current.isExpiredAt(now)) {
                result[0] = new ClaimResult.Held(current.value());
                return current;
            }
            if (current == null) {
                reserveSlot();
            }
            OwnerToken token = tokens.next();
            result[0] = new ClaimResult.Acquired(token);
            return Entry.inProgress(value, token, now, lease);
        });
        return result[0];
    }

    /** Also answers {@code true} when the key already holds exactly this completed entry: a repeat. */
    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return updateOwned(key, token, (current, now) -> Entry.completed(value, token, now, retention),
                current -> Arrays.equals(current.value(), value));
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return updateOwned(key, token, (current, now) -> null, current -> false);
    }

    /** Also answers {@code true}, changing nothing, when {@code token} completed the entry. */
    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return updateOwned(key, token, (current, now) -> Entry.inProgress(current.value(), token, now, lease),
                current -> token.equals(current.owner()));
    }

    /** Answers on the caller's thread: no call here waits on I/O or on another thread. */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        return new ImmediateStorage(this);
    }

    @Override
    public boolean delete(String key) {
        Entry removed = entries.remove(key);
        if (removed == null) {
            return false;
        }
        size.decrementAndGet();
        return !removed.isExpiredAt(nanoTime.getAsLong());
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        Entry entry = entries.get(key);
        long now = nanoTime.getAsLong();
        if (entry == null || entry.isExpiredAt(now)) {
            return Optional.empty();
        }
        Instant expiresAt = wallClock.instant().plusNanos(entry.expiresAtNanos() - now);
        return Optional.of(new StoredEntry(entry.value(), !entry.completed(), expiresAt));
    }

    /** Always answers: the entries are in this JVM. */
    @Override
    public void ping() {
    }

    @Override
    public String name() {
        return "memory";
    }

    /** Drops every expired entry; runs periodically, and before a claim when the storage is full. */
    public void sweep() {
        long now = nanoTime.getAsLong();
        entries.forEach((key, entry) -> {
            if (entry.isExpiredAt(now) && entries.remove(key, entry)) {
                size.decrementAndGet();
            }
        });
    }

    /** {@return the number of entries held, expired ones not yet dropped included} */
    public int size() {
        return size.get();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    private void reserveSlot() {
        if (size.incrementAndGet() <= maxEntries) {
            return;
        }
        size.decrementAndGet();
        throw new IdempotencyStorageException("In-memory idempotency storage is full ("
                + maxEntries + " live entries); raise idempotency.storage.memory.max-entries, "
                + "shorten idempotency.ttl, or use a shared storage");
    }

    /**
     * Replaces the live in-progress entry owned by {@code token} with {@code next}'s (none: the
     * entry is deleted). Any other live entry is left as it is, and the answer is whether
     * {@code alreadyDone} finds the operation's effect in it.
     */
    private boolean updateOwned(String key, OwnerToken token, BiFunction<Entry, Long, Entry> next,
            Predicate<Entry> alreadyDone) {
        long now = nanoTime.getAsLong();
        boolean[] answer = new boolean[1];
        entries.computeIfPresent(key, (k, current) -> {
            if (current.isExpiredAt(now)) {
                size.decrementAndGet();
                return null;
            }
            if (current.completed() || !token.equals(current.owner())) {
                answer[0] = current.completed() && alreadyDone.test(current);
                return current;
            }
            answer[0] = true;
            Entry replacement = next.apply(current, now);
            if (replacement == null) {
                size.decrementAndGet();
            }
            return replacement;
        });
        return answer[0];
    }

    /**
     * @param owner the claim that owns the entry in progress, or that completed it
     * @param expiresAtNanos when the lease or retention ends, on the monotonic clock
     */
    private record Entry(byte[] value, OwnerToken owner, boolean completed, long expiresAtNanos) {

        static Entry inProgress(byte[] value, OwnerToken owner, long nowNanos, Duration lease) {
            return new Entry(value, owner, false, nowNanos + nanos(lease));
        }

        static Entry completed(byte[] value, OwnerToken owner, long nowNanos, Duration retention) {
            return new Entry(value, owner, true, nowNanos + nanos(retention));
        }

        /** Compared as {@link System#nanoTime()} readings are: by their difference, so that overflow does not matter. */
        boolean isExpiredAt(long nowNanos) {
            return nowNanos - expiresAtNanos >= 0;
        }

        private static long nanos(Duration duration) {
            return (duration.compareTo(LONGEST) > 0 ? LONGEST : duration).toNanos();
        }
    }
}
