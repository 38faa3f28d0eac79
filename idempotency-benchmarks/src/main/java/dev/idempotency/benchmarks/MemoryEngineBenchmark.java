package dev.idempotency.benchmarks;

import java.time.Duration;
import java.time.InstantSource;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;

/**
 * The engine on the memory storage against the handler called directly: what the library itself
 * costs per request, with no network in the way.
 *
 * <p>A first request is what the web layer does for a request with a new key: fingerprint the
 * request, derive the storage key, claim, run the handler (a no-op), store its answer. A replay is
 * the same request again: fingerprint, claim, find the stored answer, return it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MemoryEngineBenchmark {

    /** The floor: the handler called directly. */
    @Benchmark
    public byte[] baseline() {
        return OrderExchange.NO_OP.run();
    }

    @Benchmark
    public byte[] firstRequest(FreshKeys keys) {
        return keys.keeper.execute(keys.next(), OrderExchange.fingerprint(), OrderExchange.AS_IS, OrderExchange.NO_OP);
    }

    @Benchmark
    public byte[] replay(CompletedKey completed) {
        return completed.keeper.execute(completed.key, OrderExchange.fingerprint(), OrderExchange.AS_IS,
                OrderExchange.NO_OP);
    }

    /** Part of both paths: the SHA-256 of method, path, query and body. */
    @Benchmark
    public RequestFingerprint fingerprint() {
        return OrderExchange.fingerprint();
    }

    /** Part of both paths: the SHA-256 of scope and key, base64url-encoded, behind the prefix. */
    @Benchmark
    public String storageKey(CompletedKey completed) {
        return completed.key.storageKey("idempotency.");
    }

    /**
     * A new key for every invocation. Keys come from a fixed set; once all are used, the clock
     * jumps past the retention and the storage's sweep drops them, so each key is absent again and
     * the map stays the same size. The sweep runs inside the measurement: removing each entry is
     * part of what an entry costs.
     */
    @State(Scope.Thread)
    public static class FreshKeys {

        private static final int KEYS = 1 << 16;

        private final OffsetClock clock = new OffsetClock();
        private final String[] values = new String[KEYS];
        private InMemoryIdempotencyStorage storage;
        private IdempotencyKeeper keeper;
        private int next;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < KEYS; i++) {
                values[i] = UUID.randomUUID().toString();
            }
            // The periodic sweep never fires during a run; this state sweeps when it wraps around.
            storage = new InMemoryIdempotencyStorage(2 * KEYS, Duration.ofDays(1), InstantSource.system(), clock);
            keeper = new IdempotencyKeeper(storage, "idempotency.", OrderExchange.RETENTION, OrderExchange.LEASE);
        }

        IdempotencyKey next() {
            if (next == KEYS) {
                next = 0;
                clock.skip(OrderExchange.RETENTION.multipliedBy(2));
                storage.sweep();
            }
            return new IdempotencyKey("", values[next++]);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            keeper.close();
            storage.close();
        }
    }

    /** One key, completed before the measurement starts. */
    @State(Scope.Thread)
    public static class CompletedKey {

        private InMemoryIdempotencyStorage storage;
        private IdempotencyKeeper keeper;
        private IdempotencyKey key;

        @Setup(Level.Trial)
        public void setUp() {
            storage = new InMemoryIdempotencyStorage(1024, Duration.ofDays(1));
            keeper = new IdempotencyKeeper(storage, "idempotency.", OrderExchange.RETENTION, OrderExchange.LEASE);
            key = new IdempotencyKey("", UUID.randomUUID().toString());
            keeper.execute(key, OrderExchange.fingerprint(), OrderExchange.AS_IS, OrderExchange.NO_OP);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            keeper.close();
            storage.close();
        }
    }

    /**
     * The system's monotonic clock plus an offset the benchmark moves forward. Reading it costs
     * what reading {@link System#nanoTime()} costs, so the storage's own clock reads are measured too.
     */
    static final class OffsetClock implements LongSupplier {

        private volatile long offsetNanos;

        @Override
        public long getAsLong() {
            return System.nanoTime() + offsetNanos;
        }

        void skip(Duration duration) {
            offsetNanos += duration.toNanos();
        }
    }
}
