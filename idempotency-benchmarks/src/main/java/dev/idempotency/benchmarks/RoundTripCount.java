package dev.idempotency.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.SocketAddress;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.resource.ClientResources;
import io.nats.client.Connection;
import io.nats.client.impl.NatsStatistics;

import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Counts the round trips of latency each path takes per operation, on one thread, outside JMH.
 * Counted at the client, so other clients of the same server do not count. On Redis each command
 * is one (Lettuce's command completions: nothing is pipelined on one thread); on PostgreSQL each
 * statement and each commit. On NATS a request sent while the operation's earlier requests are
 * still unanswered shares their round trip: a request starts a new one only if an answer arrived
 * since the previous request was sent.
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

    /** The Redis paths, the storage and the baseline waiting for {@code replicaAcks} replicas after each write. */
    static StoreCosts redis(int replicaAcks) throws Exception {
        CountingRecorder commands = new CountingRecorder();
        ClientResources resources = ClientResources.builder().commandLatencyRecorder(commands).build();
        RedisStorageBenchmark.Redis redis = new RedisStorageBenchmark.Redis();
        redis.replicaAcks = replicaAcks;
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
        RoundCounter rounds = new RoundCounter();
        Connection connection = NatsStorageBenchmark.connect(rounds);
        try {
            bucket.open(connection);
            NatsStorageBenchmark benchmark = new NatsStorageBenchmark();
            NatsStorageBenchmark.ThreadKeys keys = new NatsStorageBenchmark.ThreadKeys();
            keys.setUp(bucket);
            LongSupplier sent = rounds::count;
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

    /** What the JDBC suite's paths send: the four of a store, and the three transactional ones. */
    record JdbcCosts(StoreCosts store, PathCost plainTransaction, PathCost workInATransaction,
            PathCost resultInTheTransaction) {
    }

    /**
     * On PostgreSQL each statement executed is one round trip, and so is each commit (PgJDBC sends
     * a transaction's {@code BEGIN} with its first statement).
     */
    static JdbcCosts jdbc() throws Exception {
        StatementCounter statements = new StatementCounter();
        JdbcStorageBenchmark.Database database = new JdbcStorageBenchmark.Database();
        try {
            database.open(statements::counting);
            JdbcStorageBenchmark benchmark = new JdbcStorageBenchmark();
            JdbcStorageBenchmark.ThreadKeys keys = new JdbcStorageBenchmark.ThreadKeys();
            keys.setUp(database);
            LongSupplier sent = statements::count;
            StoreCosts store = new StoreCosts(
                    "PostgreSQL " + database.jdbc.queryForObject("SHOW server_version", String.class),
                    new PathCost(perOperation(sent, () -> benchmark.firstRequest(database, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineFirstRequest(database, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.replay(database))),
                    new PathCost(perOperation(sent, () -> benchmark.baselineReplay(database))));
            return new JdbcCosts(store,
                    new PathCost(perOperation(sent, () -> benchmark.plainTransaction(database, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.workInATransaction(database, keys))),
                    new PathCost(perOperation(sent, () -> benchmark.resultInTheTransaction(database, keys))));
        }
        finally {
            if (database.pool != null) {
                database.tearDown();
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

    /** Counts the statements executed and the commits and rollbacks of a DataSource's connections. */
    private static final class StatementCounter {

        private static final Set<String> ROUND_TRIPS = Set.of("execute", "executeQuery", "executeUpdate",
                "executeLargeUpdate", "executeBatch", "executeLargeBatch", "commit", "rollback");

        private final AtomicLong sent = new AtomicLong();

        DataSource counting(DataSource target) {
            return new DelegatingDataSource(target) {
                @Override
                public java.sql.Connection getConnection() throws SQLException {
                    return counted(java.sql.Connection.class, super.getConnection());
                }
            };
        }

        /** {@code target}, counting its round trips and those of the statements it makes. */
        private <T> T counted(Class<T> type, T target) {
            InvocationHandler handler = (proxy, method, args) -> {
                if (ROUND_TRIPS.contains(method.getName())) {
                    sent.incrementAndGet();
                }
                Object result;
                try {
                    result = method.invoke(target, args);
                }
                catch (InvocationTargetException ex) {
                    throw ex.getCause();
                }
                if (result instanceof PreparedStatement statement) {
                    return counted(PreparedStatement.class, statement);
                }
                if (result instanceof Statement statement) {
                    return counted(Statement.class, statement);
                }
                return result;
            };
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler));
        }

        long count() {
            return sent.get();
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

    /**
     * jnats reports each request to its statistics before publishing it, and each answer before
     * completing the request's future: so a request that follows an answer is known to have
     * waited for it. A request sent together with an earlier one counts once more only if that
     * one's answer came back before it was sent, which overcounts, never undercounts.
     */
    private static final class RoundCounter extends NatsStatistics {

        private final AtomicLong rounds = new AtomicLong();
        private volatile boolean answeredSinceLastRequest = true;

        @Override
        public void incrementOutstandingRequests() {
            super.incrementOutstandingRequests();
            if (answeredSinceLastRequest) {
                answeredSinceLastRequest = false;
                rounds.incrementAndGet();
            }
        }

        @Override
        public void decrementOutstandingRequests() {
            answeredSinceLastRequest = true;
            super.decrementOutstandingRequests();
        }

        long count() {
            return rounds.get();
        }
    }
}
