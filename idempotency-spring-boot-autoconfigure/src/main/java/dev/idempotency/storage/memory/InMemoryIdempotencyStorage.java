package dev.idempotency.storage.memory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
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
 */
public final class InMemoryIdempotencyStorage implements IdempotencyStorage, AutoCloseable {

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final OwnerTokens tokens = new OwnerTokens();
    private final int maxEntries;
    private final InstantSource clock;
    private final ScheduledExecutorService sweeper;

    /** Creates a storage on the system clock; see {@link #InMemoryIdempotencyStorage(int, Duration, InstantSource)}. */
    public InMemoryIdempotencyStorage(int maxEntries, Duration sweepInterval) {
        this(maxEntries, sweepInterval, InstantSource.system());
    }

    /**
     * Creates a storage holding at most {@code maxEntries} entries that drops expired entries
     * every {@code sweepInterval} on a daemon thread, stopped by {@link #close()}.
     */
    public InMemoryIdempotencyStorage(int maxEntries, Duration sweepInterval, InstantSource clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        if (sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException("sweepInterval must be positive, was " + sweepInterval);
        }
        this.maxEntries = maxEntries;
        this.clock = Objects.requireNonNull(clock, "clock");
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
        Instant now = clock.instant();
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
            return new Entry(value, token, now.plus(lease));
        });
        return result[0];
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return updateOwned(key, token, (current, now) -> new Entry(value, null, now.plus(retention)));
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return updateOwned(key, token, (current, now) -> null);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return updateOwned(key, token, (current, now) -> new Entry(current.value(), token, now.plus(lease)));
    }

    @Override
    public boolean delete(String key) {
        Entry removed = entries.remove(key);
        if (removed == null) {
            return false;
        }
        size.decrementAndGet();
        return !removed.isExpiredAt(clock.instant());
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        Entry entry = entries.get(key);
        if (entry == null || entry.isExpiredAt(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(new StoredEntry(entry.value(), entry.owner() != null, entry.expiresAt()));
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
        Instant now = clock.instant();
        entries.forEach((key, entry) -> {
            if (entry.isExpiredAt(now) && entries.remove(key, entry)) {
                size.decrementAndGet();
            }
        });
    }

    /** The number of entries held, expired ones not yet dropped included. */
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

    private boolean updateOwned(String key, OwnerToken token, BiFunction<Entry, Instant, Entry> next) {
        Instant now = clock.instant();
        boolean[] owned = new boolean[1];
        entries.computeIfPresent(key, (k, current) -> {
            if (current.isExpiredAt(now)) {
                size.decrementAndGet();
                return null;
            }
            if (!token.equals(current.owner())) {
                return current;
            }
            owned[0] = true;
            Entry replacement = next.apply(current, now);
            if (replacement == null) {
                size.decrementAndGet();
            }
            return replacement;
        });
        return owned[0];
    }

    private record Entry(byte[] value, OwnerToken owner, Instant expiresAt) {

        boolean isExpiredAt(Instant now) {
            return !now.isBefore(expiresAt);
        }
    }
}
