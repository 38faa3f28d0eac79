package dev.idempotency.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.Takeover;
import dev.idempotency.storage.jdbc.JdbcIdempotencyStorage;
import dev.idempotency.storage.jdbc.TableName;
import dev.idempotency.transaction.ClaimFencingTransactionListener;
import dev.idempotency.transaction.SpringTransactionHooks;

/**
 * The engine on the JDBC storage on PostgreSQL against the fewest statements PostgreSQL needs for
 * the same steps, over the same connection pool: {@code INSERT ... ON CONFLICT DO NOTHING} then
 * {@code UPDATE} for a first request, {@code SELECT} for a replay. And the price of the
 * transactional mode: a transaction inserting one business row, plain, with its work protected
 * (the claim's committed mark written in it, the result stored after its commit), and with the
 * result written in it (a bean method called inside the transaction). The thread count is set by
 * the runner (1 and 16).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JdbcStorageBenchmark {

    @Benchmark
    public int baselineFirstRequest(Database database, ThreadKeys keys) {
        String key = "raw." + keys.next();
        if (database.jdbc.update(database.baselineClaim, key, database.claimValue) != 1) {
            throw new IllegalStateException("A fresh key was already claimed");
        }
        return database.jdbc.update(database.baselineComplete, OrderExchange.RESPONSE, key);
    }

    @Benchmark
    public byte[] firstRequest(Database database, ThreadKeys keys) {
        return database.keeper.execute(new IdempotencyKey("", keys.next()), OrderExchange.fingerprint(),
                OrderExchange.AS_IS, OrderExchange.NO_OP);
    }

    @Benchmark
    public byte[] baselineReplay(Database database) {
        return database.jdbc.queryForObject(database.baselineRead, byte[].class, "raw.replay");
    }

    @Benchmark
    public byte[] replay(Database database) {
        return database.keeper.execute(database.replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS,
                OrderExchange.NO_OP);
    }

    /** The business transaction alone: one insert, committed. */
    @Benchmark
    public int plainTransaction(Database database, ThreadKeys keys) {
        String order = keys.next();
        return database.transactions.execute(status -> database.insertOrder(order));
    }

    /** The work commits its own transaction, as a handler calling a transactional service does. */
    @Benchmark
    public byte[] workInATransaction(Database database, ThreadKeys keys) {
        String order = keys.next();
        return database.keeper.execute(new IdempotencyKey("", order), OrderExchange.fingerprint(), OrderExchange.AS_IS,
                () -> {
                    database.transactions.execute(status -> database.insertOrder(order));
                    return OrderExchange.RESPONSE;
                });
    }

    /** The work runs inside the caller's transaction, as a bean method called from one does. */
    @Benchmark
    public byte[] resultInTheTransaction(Database database, ThreadKeys keys) {
        String order = keys.next();
        return database.transactions.execute(status -> database.keeper.execute(new IdempotencyKey("", order),
                OrderExchange.fingerprint(), OrderExchange.AS_IS, () -> {
                    database.insertOrder(order);
                    return OrderExchange.RESPONSE;
                }));
    }

    /**
     * One pool for the trial, shared by the library, the baselines and the business transactions;
     * a table of the trial's own for the keys and one for the orders, both dropped when it ends.
     */
    @State(Scope.Benchmark)
    public static class Database {

        final AtomicInteger threads = new AtomicInteger();
        /** What the baseline claims with: as long as the engine's in-progress state. */
        final byte[] claimValue = new byte[42];
        String baselineClaim;
        String baselineComplete;
        String baselineRead;
        HikariDataSource pool;
        JdbcTemplate jdbc;
        TransactionTemplate transactions;
        IdempotencyKeeper keeper;
        IdempotencyKey replayKey;
        private TableName table;
        private String orders;

        @Setup(Level.Trial)
        public void setUp() {
            open(UnaryOperator.identity());
        }

        /** Opens the pool, with {@code wrap} around it for everything that uses it; {@link #tearDown} closes it. */
        void open(UnaryOperator<DataSource> wrap) {
            URI address = StoreAddresses.postgres();
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl("jdbc:" + address);
            config.setUsername(StoreAddresses.POSTGRES_USER);
            // Sixteen threads, each holding a second connection while its claim commits inside a transaction.
            config.setMaximumPoolSize(34);
            config.setPoolName("idempotency-bench");
            pool = new HikariDataSource(config);
            String run = StoreAddresses.runId();
            table = new TableName("bench_" + run);
            orders = "bench_orders_" + run;
            DataSource dataSource = wrap.apply(pool);
            jdbc = new JdbcTemplate(dataSource);
            createTables();
            baselineClaim = "INSERT INTO " + table + " (storage_key, owner_token, in_progress, entry_value, expires_at)"
                    + " VALUES (?, 'owner', TRUE, ?, clock_timestamp() + INTERVAL '" + OrderExchange.LEASE.toSeconds()
                    + " seconds') ON CONFLICT DO NOTHING";
            baselineComplete = "UPDATE " + table + " SET in_progress = FALSE, entry_value = ?, expires_at = clock_timestamp()"
                    + " + INTERVAL '" + OrderExchange.RETENTION.toSeconds() + " seconds' WHERE storage_key = ?";
            baselineRead = "SELECT entry_value FROM " + table + " WHERE storage_key = ? AND expires_at > clock_timestamp()";
            keeper = new IdempotencyKeeper(new JdbcIdempotencyStorage(dataSource, table, Duration.ofSeconds(10)), "",
                    OrderExchange.RETENTION, OrderExchange.LEASE, FailureMode.FAIL_CLOSED, Takeover.AFTER_LEASE,
                    IdempotencyListener.NONE, new SpringTransactionHooks(), false);
            DataSourceTransactionManager manager = new DataSourceTransactionManager(dataSource);
            manager.addListener(new ClaimFencingTransactionListener(() -> keeper));
            transactions = new TransactionTemplate(manager);

            replayKey = new IdempotencyKey("", "replay");
            keeper.execute(replayKey, OrderExchange.fingerprint(), OrderExchange.AS_IS, OrderExchange.NO_OP);
            jdbc.update(baselineClaim, "raw.replay", claimValue);
            jdbc.update(baselineComplete, OrderExchange.RESPONSE, "raw.replay");
        }

        private void createTables() {
            try {
                String script = new ClassPathResource("dev/idempotency/storage/jdbc/schema-postgresql.sql")
                        .getContentAsString(StandardCharsets.UTF_8);
                new ResourceDatabasePopulator(new ByteArrayResource(table.applyTo(script).getBytes(StandardCharsets.UTF_8)))
                        .execute(pool);
            }
            catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
            jdbc.execute("CREATE TABLE " + orders + " (item VARCHAR(64) NOT NULL)");
        }

        int insertOrder(String item) {
            return jdbc.update("INSERT INTO " + orders + " (item) VALUES (?)", item);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                jdbc.execute("DROP TABLE " + table);
                jdbc.execute("DROP TABLE " + orders);
            }
            finally {
                keeper.close();
                pool.close();
            }
        }
    }

    /** Per thread: keys never used before. */
    @State(Scope.Thread)
    public static class ThreadKeys {

        private String threadPrefix;
        private long count;

        @Setup(Level.Trial)
        public void setUp(Database database) {
            threadPrefix = "t" + database.threads.incrementAndGet() + "-";
        }

        String next() {
            return threadPrefix + count++;
        }
    }
}
