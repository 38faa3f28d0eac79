package dev.idempotency.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.StatisticsCollector;
import io.nats.client.api.StorageType;
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
import dev.idempotency.storage.nats.NatsBucketProvisioner;
import dev.idempotency.storage.nats.NatsBucketSettings;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;

/**
 * The engine on the NATS JetStream storage against the plain key-value calls for the same steps,
 * on the same connection and bucket: {@code create} then {@code update} for a first request,
 * {@code get} for a replay. The thread count is set by the runner (1 and 16).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NatsStorageBenchmark {

    @Benchmark
    public long baselineFirstRequest(Bucket bucket, ThreadKeys keys) throws IOException, JetStreamApiException {
        String key = "raw." + keys.next();
        long revision = bucket.keyValue.create(key, bucket.claimValue);
        return bucket.keyValue.update(key, OrderExchange.RESPONSE, revision);
    }

    @Benchmark
    public byte[] firstRequest(Bucket bucket, ThreadKeys keys) {
        return bucket.keeper.execute(new IdempotencyKey("", keys.next()), OrderExchange.fingerprint(),
                OrderExchange.AS_IS, OrderExchange.NO_OP);
    }

    @Benchmark
    public byte[] baselineReplay(Bucket bucket) throws IOException, JetStreamApiException {
        return bucket.keyValue.get("raw.replay").getValue();
    }

    @Benchmark
    public byte[] replay(Bucket bucket) {
        return bucket.keeper.execute(bucket.replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS,
                OrderExchange.NO_OP);
    }

    /**
     * A bucket of this trial's own, created as the library creates its bucket (file storage, one
     * replica, history 1), shared by the library and the baseline, and deleted when the trial ends.
     */
    @State(Scope.Benchmark)
    public static class Bucket {

        final AtomicInteger threads = new AtomicInteger();
        /** What the baseline claims with: as long as the engine's in-progress state. */
        final byte[] claimValue = new byte[34];
        String name;
        Connection connection;
        KeyValue keyValue;
        IdempotencyKeeper keeper;
        IdempotencyKey replayKey;

        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException, JetStreamApiException {
            open(connect());
        }

        /** Creates the bucket on {@code natsConnection} and seeds the replayed keys; {@link #tearDown} closes it. */
        void open(Connection natsConnection) throws IOException, JetStreamApiException {
            connection = natsConnection;
            name = "idempotency-bench-" + StoreAddresses.runId();
            new NatsBucketProvisioner(connection).ensure(
                    new NatsBucketSettings(name, 1, StorageType.File, Duration.ZERO, false), OrderExchange.RETENTION);
            keeper = new IdempotencyKeeper(new NatsIdempotencyStorage(connection, name), "idempotency.",
                    OrderExchange.RETENTION, OrderExchange.LEASE);
            keyValue = connection.keyValue(name);

            replayKey = new IdempotencyKey("", "replay");
            keeper.execute(replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS, OrderExchange.NO_OP);
            keyValue.put("raw.replay", OrderExchange.RESPONSE);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException, InterruptedException, JetStreamApiException {
            try {
                connection.keyValueManagement().delete(name);
            }
            finally {
                keeper.close();
                connection.close();
            }
        }
    }

    /** Per thread: keys never used before. */
    @State(Scope.Thread)
    public static class ThreadKeys {

        private String threadPrefix;
        private long count;

        @Setup(Level.Trial)
        public void setUp(Bucket bucket) {
            threadPrefix = "t" + bucket.threads.incrementAndGet() + "-";
        }

        String next() {
            return threadPrefix + count++;
        }
    }

    static Connection connect() throws IOException, InterruptedException {
        return connect(null);
    }

    /** With {@code statistics} collecting the connection's counts; jnats' own when null. */
    static Connection connect(StatisticsCollector statistics) throws IOException, InterruptedException {
        return Nats.connect(new Options.Builder()
                .server(StoreAddresses.nats().toString())
                .connectionName("idempotency-benchmarks")
                .statisticsCollector(statistics)
                .build());
    }
}
