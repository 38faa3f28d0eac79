package dev.idempotency.benchmarks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.storage.redis.RedisReplicaAcks;

/**
 * The engine on the Redis storage against the fewest commands Redis needs for the same steps,
 * sent over the same Lettuce connection: {@code SET NX PX} then {@code SET PX} for a first
 * request, {@code GET} for a replay. The thread count is set by the runner (1 and 16). With the
 * {@code replicaAcks} parameter above 0, the storage waits for that many replicas
 * ({@code idempotency.storage.redis.replica-acks}), and the baseline sends {@code WAIT} after
 * each of its two writes; the server must then be a primary with that many replicas.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisStorageBenchmark {

    @Benchmark
    public byte[] baselineFirstRequest(Redis redis, ThreadKeys keys) {
        byte[] key = redis.baselineKey(keys.next());
        if (!"OK".equals(redis.commands.set(key, redis.claimValue, redis.claimArgs))) {
            throw new IllegalStateException("A fresh key was already claimed");
        }
        redis.acknowledged();
        redis.commands.set(key, OrderExchange.RESPONSE, redis.completeArgs);
        redis.acknowledged();
        return key;
    }

    @Benchmark
    public byte[] firstRequest(Redis redis, ThreadKeys keys) {
        return redis.keeper.execute(new IdempotencyKey("", keys.next()), OrderExchange.fingerprint(),
                OrderExchange.AS_IS, OrderExchange.NO_OP);
    }

    @Benchmark
    public byte[] baselineReplay(Redis redis) {
        return redis.commands.get(redis.baselineReplayKey);
    }

    @Benchmark
    public byte[] replay(Redis redis) {
        return redis.keeper.execute(redis.replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS,
                OrderExchange.NO_OP);
    }

    /**
     * One connection factory for the trial, shared by the library and the baseline. Every key
     * starts with a prefix of this trial's own, and is removed when the trial ends (and expires
     * with the retention if that cleanup never runs).
     */
    @State(Scope.Benchmark)
    public static class Redis {

        /** How long the storage and the baseline wait for the replicas. */
        static final Duration REPLICA_ACK_TIMEOUT = Duration.ofMillis(200);

        /** How many replicas each write waits for; 0: none. */
        @Param("0")
        public int replicaAcks;

        final AtomicInteger threads = new AtomicInteger();
        final SetArgs claimArgs = SetArgs.Builder.nx().px(OrderExchange.LEASE.toMillis());
        final SetArgs completeArgs = SetArgs.Builder.px(OrderExchange.RETENTION.toMillis());
        /** What the baseline claims with: as long as the engine's in-progress state. */
        final byte[] claimValue = new byte[34];
        String prefix;
        LettuceConnectionFactory factory;
        RedisConnection connection;
        RedisCommands<byte[], byte[]> commands;
        IdempotencyKeeper keeper;
        IdempotencyKey replayKey;
        byte[] baselineReplayKey;

        @Setup(Level.Trial)
        public void setUp() {
            open(new LettuceConnectionFactory(configuration()));
        }

        static RedisStandaloneConfiguration configuration() {
            URI address = StoreAddresses.redis();
            return new RedisStandaloneConfiguration(address.getHost(), address.getPort());
        }

        /** Starts {@code connectionFactory} and seeds the replayed keys; {@link #tearDown} destroys it. */
        void open(LettuceConnectionFactory connectionFactory) {
            prefix = "idempotency-bench." + StoreAddresses.runId() + ".";
            factory = connectionFactory;
            factory.afterPropertiesSet();
            factory.start();
            keeper = new IdempotencyKeeper(new RedisIdempotencyStorage(factory,
                    new RedisReplicaAcks(replicaAcks, REPLICA_ACK_TIMEOUT)), prefix, OrderExchange.RETENTION,
                    OrderExchange.LEASE);
            // With the factory's default shared native connection, this is the connection the library's
            // template sends on too; its synchronous commands wait for replies as Spring Data does.
            connection = factory.getConnection();
            commands = ((RedisAsyncCommands<byte[], byte[]>) ((LettuceConnection) connection).getNativeConnection())
                    .getStatefulConnection().sync();
            long replicas = Long.parseLong(connection.serverCommands().info("replication").getProperty("connected_slaves"));
            if (replicas < replicaAcks) {
                throw new IllegalStateException("replicaAcks " + replicaAcks + " needs a primary with as many replicas; "
                        + StoreAddresses.redis() + " has " + replicas + " (docs/benchmarks.md starts one)");
            }

            replayKey = new IdempotencyKey("", "replay");
            keeper.execute(replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS, OrderExchange.NO_OP);
            baselineReplayKey = baselineKey("replay");
            commands.set(baselineReplayKey, OrderExchange.RESPONSE, completeArgs);
        }

        /** What the baseline waits for after a write: {@code WAIT replicaAcks timeout}, when replicas are awaited. */
        void acknowledged() {
            if (replicaAcks > 0 && commands.waitForReplication(replicaAcks, REPLICA_ACK_TIMEOUT.toMillis()) < replicaAcks) {
                throw new IllegalStateException("The replicas did not acknowledge a write in " + REPLICA_ACK_TIMEOUT);
            }
        }

        byte[] baselineKey(String key) {
            return (prefix + "raw." + key).getBytes(StandardCharsets.UTF_8);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                deleteAll(connection, prefix);
            }
            finally {
                keeper.close();
                connection.close();
                factory.destroy();
            }
        }
    }

    /** Per thread: keys never used before. */
    @State(Scope.Thread)
    public static class ThreadKeys {

        private String threadPrefix;
        private long count;

        @Setup(Level.Trial)
        public void setUp(Redis redis) {
            threadPrefix = "t" + redis.threads.incrementAndGet() + "-";
        }

        String next() {
            return threadPrefix + count++;
        }
    }

    /** Deletes every key under {@code prefix}, a batch per {@code SCAN} page. */
    static void deleteAll(RedisConnection connection, String prefix) {
        ScanOptions options = ScanOptions.scanOptions().match(prefix + "*").count(1000).build();
        try (Cursor<byte[]> cursor = connection.keyCommands().scan(options)) {
            List<byte[]> batch = new ArrayList<>();
            while (cursor.hasNext()) {
                batch.add(cursor.next());
                if (batch.size() == 1000) {
                    connection.keyCommands().unlink(batch.toArray(byte[][]::new));
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                connection.keyCommands().unlink(batch.toArray(byte[][]::new));
            }
        }
    }
}
