package dev.idempotency.benchmarks;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.resource.ClientResources;
import io.nats.client.Connection;

import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Counts the requests each path sends per operation, on one thread, outside JMH: each one is a
 * round trip, as nothing is pipelined on one thread. Counted at the client (Lettuce's command
 * completions, jnats's published messages), so other clients of the same server do not count.
 */
final class RoundTripCount {

    private static final int WARM_UP = 50;
    private static final int COUNTED = 500;

    private RoundTripCount() {
    }

    /** What one operation sent. */
    record PathCost(double roundTrips) {
    }

    /** The four paths of one store, and which server answered. */
    record StoreCosts(String server, PathCost libraryFirst, PathCost baselineFirst, PathCost libraryReplay,
            PathCost baselineReplay) {
    }

    @FunctionalInterface
    interface Operation {
        void run() throws Exception;
    }

    static StoreCosts redis() throws Exception {
        CountingRecorder commands = new CountingRecorder();
        ClientResources resources = ClientResources.builder().commandLatencyRecorder(commands).build();
        RedisStorageBenchmark.Redis redis = new RedisStorageBenchmark.Redis();
        try {
            redis.open(new LettuceConnectionFactory(RedisStorageBenchmark.Redis.configuration(),
                    LettuceClientConfiguration.builder().clientResources(resources).build()));
            RedisStorageBenchmark benchmark = new RedisStorageBenchmark();
            RedisStorageBenchmark.ThreadKeys keys = new RedisStorageBenchmark.ThreadKeys();
            keys.setUp(redis);
            LongSupplier sent = commands::count;
            return new StoreCosts("Redis " + redis.connection.serverCommands().info("server").getProperty("redis_version"),
                    new PathCost(perOperation(sent, () -> benchmark.firstRequest(redis, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineFirstRequest(redis, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.replay(redis))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineReplay(redis))));
        }
        finally {
            if (redis.factory != null) {
                redis.tearDown();
            }
            resources.shutdown();
        }
    }

    static StoreCosts nats() throws Exception {
        NatsStorageBenchmark.Bucket bucket = new NatsStorageBenchmark.Bucket();
        Connection connection = NatsStorageBenchmark.connect();
        try {
            bucket.open(connection);
            NatsStorageBenchmark benchmark = new NatsStorageBenchmark();
            NatsStorageBenchmark.ThreadKeys keys = new NatsStorageBenchmark.ThreadKeys();
            keys.setUp(bucket);
            LongSupplier sent = () -> connection.getStatistics().getOutMsgs();
            return new StoreCosts("nats-server " + connection.getServerInfo().getVersion() + " with JetStream",
                    new PathCost(perOperation(sent, () -> benchmark.firstRequest(bucket, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineFirstRequest(bucket, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.replay(bucket))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineReplay(bucket))));
        }
        finally {
            if (bucket.name != null) {
                bucket.tearDown();
            }
            else {
                connection.close();
            }
        }
    }

    /** Requests sent per operation, after a warm-up (the first script call may load the script). */
    private static double perOperation(LongSupplier counter, Operation operation) throws Exception {
        warmUp(operation);
        return countedRun(counter, operation);
    }

    private static double countedRun(LongSupplier counter, Operation operation) throws Exception {
        long before = counter.getAsLong();
        for (int i = 0; i < COUNTED; i++) {
            operation.run();
        }
        return (double) (counter.getAsLong() - before) / COUNTED;
    }

    private static void warmUp(Operation operation) throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            operation.run();
        }
    }

    /** Lettuce reports every completed command here: each is one request answered by Redis. */
    private static final class CountingRecorder implements CommandLatencyRecorder {

        private final AtomicLong completed = new AtomicLong();

        @Override
        public void recordCommandLatency(SocketAddress local, SocketAddress remote, ProtocolKeyword commandType,
                long firstResponseLatency, long completionLatency) {
            completed.incrementAndGet();
        }

        long count() {
            return completed.get();
        }
    }
}
