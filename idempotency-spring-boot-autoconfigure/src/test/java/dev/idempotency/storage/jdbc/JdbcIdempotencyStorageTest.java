package dev.idempotency.storage.jdbc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract suite, and what only the JDBC storage promises, on one database: statements per
 * operation, repeated completions, keys compared byte for byte, statements committed apart from
 * the application's transaction, the schema check and the cleanup. Each database's subclass
 * names its server; every table it creates has a name of its own and is dropped afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcIdempotencyStorageTest extends IdempotencyStorageContractTest {

    private final StatementLog log = new StatementLog();
    private final List<TableName> tables = new ArrayList<>();

    private HikariDataSource pool;
    private DataSource loggedPool;
    private TableName table;
    private JdbcIdempotencyStorage storage;
    /** The application's transactions, on the storage's own DataSource. */
    private TransactionTemplate transactions;

    /** The database under test. */
    protected abstract TestDatabase database();

    /** The shipped script changed so that {@code expires_at} has a type whose value depends on the session's time zone. */
    protected abstract String withZoneDependentExpiry(String script);

    @BeforeAll
    void openPoolAndTable() {
        pool = database().pool(6);
        table = createTable();
        loggedPool = log.wrap(pool);
        storage = new JdbcIdempotencyStorage(loggedPool, table, Duration.ofSeconds(10));
        transactions = new TransactionTemplate(new DataSourceTransactionManager(loggedPool));
    }

    @AfterAll
    void dropTablesAndClosePool() {
        if (pool != null) {
            tables.forEach(table -> jdbc().execute("DROP TABLE " + table));
            pool.close();
        }
    }

    @Override
    protected IdempotencyStorage storage() {
        return storage;
    }

    @Override
    protected LosableAnswers losableAnswers() {
        AnswerLosingDataSource lossy = new AnswerLosingDataSource(pool);
        JdbcIdempotencyStorage lossyStorage = new JdbcIdempotencyStorage(lossy, table, Duration.ofSeconds(10));
        return new LosableAnswers() {
            @Override
            public IdempotencyStorage storage() {
                return lossyStorage;
            }

            @Override
            public void hold() {
                lossy.losing = true;
            }

            @Override
            public void deliverHeld() {
                lossy.losing = false;
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aWinningClaimIsOneStatement() {
        List<String> sent = log.during(() -> claim(key("one-win"), bytes("v"), LONG));

        assertThat(sent).hasSize(1);
    }

    @Test
    void aLosingClaimReturnsTheStoredBytesInTheSameStatement() {
        String key = key("one-lose");
        claim(key, bytes("first"), LONG);
        ClaimResult[] result = new ClaimResult[1];

        List<String> sent = log.during(() -> result[0] = storage.attemptLock(key, bytes("second"), LONG));

        assertThat(sent).hasSize(1);
        assertThat(result[0]).isInstanceOfSatisfying(ClaimResult.Held.class,
                held -> assertThat(held.value()).isEqualTo(bytes("first")));
    }

    @Test
    void aTakeoverOfAnExpiredEntryIsOneStatement() throws Exception {
        String key = key("one-takeover");
        claim(key, bytes("stale"), SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);
        ClaimResult[] result = new ClaimResult[1];

        List<String> sent = log.during(() -> result[0] = storage.attemptLock(key, bytes("new"), LONG));

        assertThat(sent).hasSize(1);
        assertThat(result[0]).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void manyThreadsTakingOverOneExpiredEntryProduceExactlyOneOwner() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 5; round++) {
                String key = key("takeover-race-" + round);
                claim(key, bytes("abandoned"), Duration.ofMillis(50));
                Thread.sleep(100);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<ClaimResult>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    byte[] value = bytes("thread-" + i);
                    results.add(pool.submit(() -> {
                        start.await();
                        return storage.attemptLock(key, value, LONG);
                    }));
                }
                start.countDown();
                int acquired = 0;
                for (Future<ClaimResult> result : results) {
                    ClaimResult claim = result.get(30, TimeUnit.SECONDS);
                    if (claim instanceof ClaimResult.Acquired) {
                        acquired++;
                    }
                    else {
                        assertThat(new String(((ClaimResult.Held) claim).value(), StandardCharsets.UTF_8))
                                .as("a loser sees the winner's bytes, never the abandoned ones").startsWith("thread-");
                    }
                }
                assertThat(acquired).as("round %d", round).isEqualTo(1);
            }
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void completeReleaseAndExtendAreOneStatementEach() {
        String key = key("one-each");
        OwnerToken token = claim(key, bytes("v"), LONG);
        String released = key("one-release");
        OwnerToken releaser = claim(released, bytes("v"), LONG);

        assertThat(log.during(() -> assertThat(storage.extend(key, token, LONG)).isTrue())).containsExactly("UPDATE");
        assertThat(log.during(() -> assertThat(storage.complete(key, token, bytes("done"), LONG)).isTrue()))
                .containsExactly("UPDATE");
        assertThat(log.during(() -> assertThat(storage.release(released, releaser)).isTrue())).containsExactly("DELETE");
    }

    @Test
    void aRefusedReleaseIsOneStatementAndARefusedCompleteOrExtendTwo() {
        String key = key("one-refused");
        claim(key, bytes("v"), LONG);
        OwnerToken stranger = new OwnerToken("stranger");

        assertThat(log.during(() -> assertThat(storage.release(key, stranger)).isFalse())).containsExactly("DELETE");
        assertThat(log.during(() -> assertThat(storage.extend(key, stranger, LONG)).isFalse()))
                .containsExactly("UPDATE", "SELECT");
        assertThat(log.during(() -> assertThat(storage.complete(key, stranger, bytes("x"), LONG)).isFalse()))
                .containsExactly("UPDATE", "SELECT");
    }

    @Test
    void aRepeatedCompletionOfTheSameValueAnswersTrueAndChangesNothing() {
        String key = key("complete-repeated");
        OwnerToken token = claim(key, bytes("v"), LONG);
        assertThat(storage.complete(key, token, bytes("done"), LONG)).isTrue();

        assertThat(storage.complete(key, token, bytes("done"), LONG)).as("the first answer was lost").isTrue();

        assertThat(heldValue(key)).isEqualTo(bytes("done"));
        assertThat(storage.release(key, token)).as("still completed").isFalse();
    }

    @Test
    void aCompletionOfTheSameValueByAClaimThatLostTheKeyAnswersFalse() throws Exception {
        String key = key("complete-same-value-other-owner");
        OwnerToken stale = claim(key, bytes("v"), SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);
        OwnerToken owner = claim(key, bytes("v"), LONG);
        assertThat(storage.complete(key, owner, bytes("done"), LONG)).isTrue();

        assertThat(storage.complete(key, stale, bytes("done"), LONG)).isFalse();
    }

    @Test
    void aRepeatedCompletionAfterTheRetentionEndedAnswersFalse() throws Exception {
        String key = key("complete-repeated-expired");
        OwnerToken token = claim(key, bytes("v"), LONG);
        assertThat(storage.complete(key, token, bytes("done"), SHORT)).isTrue();
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage.complete(key, token, bytes("done"), LONG)).isFalse();
    }

    @Test
    void keysThatDifferOnlyInCaseAreDifferentEntries() {
        String lower = key("case-key");
        String upper = lower.toUpperCase();
        claim(lower, bytes("lower"), LONG);

        assertThat(storage.attemptLock(upper, bytes("upper"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
        assertThat(heldValue(lower)).isEqualTo(bytes("lower"));
    }

    @Test
    void aKeyLongerThanTheColumnIsRefusedWithoutAStatement() {
        String key = "k".repeat(JdbcIdempotencyStorage.MAX_KEY_LENGTH + 1);

        List<String> sent = log.during(() -> assertThatThrownBy(() -> storage.attemptLock(key, bytes("v"), LONG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idempotency.key-prefix"));

        assertThat(sent).isEmpty();
    }

    @Test
    void aClaimInsideAnApplicationTransactionIsCommittedAtOnceAndSurvivesItsRollback() {
        // The storage on the very DataSource the application's transaction is bound to.
        JdbcIdempotencyStorage onApplicationDataSource = new JdbcIdempotencyStorage(pool, storage.table(), null);
        String key = key("in-application-transaction");
        TransactionTemplate application = new TransactionTemplate(new DataSourceTransactionManager(pool));

        application.executeWithoutResult(status -> {
            assertThat(onApplicationDataSource.attemptLock(key, bytes("v"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(storage.read(key)).as("seen on another connection before the transaction ends").isPresent();
            status.setRollbackOnly();
        });

        assertThat(heldValue(key)).isEqualTo(bytes("v"));
    }

    @Test
    void aConfirmInsideTheApplicationsTransactionCommitsItsMarkWithIt() {
        String key = key("confirm-commits");
        OwnerToken token = claim(key, bytes("claimed"), LONG);

        transactions.executeWithoutResult(status -> {
            assertThat(storage.joinsCurrentTransaction()).isTrue();
            assertThat(storage.confirmBeforeCommit(key, token, bytes("committed"), LONG, LONG)).isTrue();
            assertThat(storage.read(key)).as("not seen outside the transaction before it commits")
                    .hasValueSatisfying(entry -> assertThat(entry.inProgress()).isTrue());
        });

        assertThat(heldValue(key)).isEqualTo(bytes("committed"));
    }

    @Test
    void aConfirmRolledBackWithTheApplicationsTransactionLeavesTheClaimInProgress() {
        String key = key("confirm-rolls-back");
        OwnerToken token = claim(key, bytes("claimed"), LONG);

        transactions.executeWithoutResult(status -> {
            assertThat(storage.confirmBeforeCommit(key, token, bytes("committed"), LONG, LONG)).isTrue();
            status.setRollbackOnly();
        });

        assertThat(storage.read(key)).hasValueSatisfying(entry -> {
            assertThat(entry.inProgress()).isTrue();
            assertThat(entry.value()).isEqualTo(bytes("claimed"));
        });
        assertThat(storage.release(key, token)).as("still the claim's to release").isTrue();
    }

    @Test
    void aConfirmInsideTheApplicationsTransactionIsOneStatementOnItsConnection() {
        String key = key("confirm-one-statement");
        OwnerToken token = claim(key, bytes("claimed"), LONG);

        List<String> sent = log.during(() -> transactions.executeWithoutResult(
                status -> assertThat(storage.confirmBeforeCommit(key, token, bytes("committed"), LONG, LONG)).isTrue()));

        assertThat(sent).containsExactly("BEGIN", "UPDATE", "COMMIT");
    }

    @Test
    void aCommittedMarkIsNotTakenOverWhenItsLeaseEnds() throws Exception {
        String key = key("confirm-outlives-lease");
        OwnerToken token = claim(key, bytes("claimed"), SHORT);
        confirmCommitted(key, token, bytes("committed"));
        Thread.sleep(PAST_SHORT_MILLIS);

        assertThat(storage.attemptLock(key, bytes("retry"), LONG)).isInstanceOfSatisfying(ClaimResult.Held.class,
                held -> assertThat(held.value()).isEqualTo(bytes("committed")));
    }

    @Test
    void theOwnerCompletesItsCommittedMarkOnce() {
        String key = key("confirm-then-complete");
        OwnerToken token = claim(key, bytes("claimed"), LONG);
        confirmCommitted(key, token, bytes("committed"));

        assertThat(storage.complete(key, token, bytes("done"), LONG)).isTrue();

        assertThat(heldValue(key)).isEqualTo(bytes("done"));
        assertThat(storage.complete(key, token, bytes("again"), LONG)).as("a completed entry stays as it is").isFalse();
        assertThat(heldValue(key)).isEqualTo(bytes("done"));
    }

    @Test
    void aReleasedCommittedMarkStaysWithItsCommittedValue() {
        String key = key("confirm-then-release");
        OwnerToken token = claim(key, bytes("claimed"), LONG);
        confirmCommitted(key, token, bytes("committed"));

        assertThat(storage.release(key, token)).isFalse();

        assertThat(heldValue(key)).isEqualTo(bytes("committed"));
        assertThat(storage.read(key)).hasValueSatisfying(entry -> assertThat(entry.inProgress()).isFalse());
    }

    @Test
    void aRenewalOfACommittedMarkAnswersTrueAndKeepsItsRetention() {
        String key = key("confirm-then-extend");
        OwnerToken token = claim(key, bytes("claimed"), LONG);
        confirmCommitted(key, token, bytes("committed"));
        Instant retainedUntil = storage.read(key).orElseThrow().expiresAt();

        assertThat(storage.extend(key, token, SHORT)).isTrue();

        assertThat(storage.read(key).orElseThrow().expiresAt()).isEqualTo(retainedUntil);
    }

    @Test
    void aConfirmByAClaimThatLostTheKeyAnswersFalseAndChangesNothing() throws Exception {
        String key = key("confirm-stale");
        OwnerToken stale = claim(key, bytes("stale"), SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);
        claim(key, bytes("owner"), LONG);

        transactions.executeWithoutResult(
                status -> assertThat(storage.confirmBeforeCommit(key, stale, bytes("committed"), LONG, LONG)).isFalse());

        assertThat(heldValue(key)).isEqualTo(bytes("owner"));
    }

    @Test
    void onlyATransactionOnTheStoragesOwnDataSourceIsJoined() {
        assertThat(storage.joinsCurrentTransaction()).as("outside any transaction").isFalse();
        try (HikariDataSource other = database().pool(1)) {
            new TransactionTemplate(new DataSourceTransactionManager(other)).executeWithoutResult(
                    status -> assertThat(storage.joinsCurrentTransaction()).as("a transaction on another DataSource").isFalse());
        }
    }

    /** Confirms {@code token}'s claim with {@code value} in a transaction of the application's that commits. */
    protected void confirmCommitted(String key, OwnerToken token, byte[] value) {
        transactions.executeWithoutResult(
                status -> assertThat(storage.confirmBeforeCommit(key, token, value, LONG, LONG)).isTrue());
    }

    /** The application's transactions at {@code isolation}, on the storage's own DataSource. */
    protected TransactionTemplate transactionsAt(int isolation) {
        TransactionTemplate template = new TransactionTemplate(transactions.getTransactionManager());
        template.setIsolationLevel(isolation);
        return template;
    }

    /** The storage under test, on the DataSource of {@link #transactionsAt}. */
    protected JdbcIdempotencyStorage jdbcStorage() {
        return storage;
    }

    @Test
    void aMissingTableFailsNamingTheScript() {
        TableName absent = new TableName("it_absent_" + UUID.randomUUID().toString().substring(0, 8));

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool, absent, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("'" + absent + "' is missing")
                .hasMessageContaining(storage.dialect().schemaLocation());
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefused() {
        TableName table = createTable(script -> script.replace(" PRIMARY KEY,", ",").replace("PRIMARY KEY (storage_key),", ""));

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool, table, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("primary key is missing")
                .hasMessageContaining(storage.dialect().schemaLocation());
    }

    @Test
    void anExpiryThatDependsOnTheSessionsTimeZoneIsRefused() {
        TableName table = createTable(this::withZoneDependentExpiry);

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool, table, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("expires_at is");
    }

    @Test
    void aTableWithoutTheCommittedColumnIsRefusedNamingTheScript() {
        TableName table = createTable(script -> script.replace("    committed BOOLEAN NOT NULL DEFAULT FALSE,\n", ""));

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool, table, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("committed")
                .hasMessageContaining(storage.dialect().schemaLocation());
    }

    @Test
    void aColumnOfTheWrongTypeIsRefused() {
        TableName table = createTable(script -> script.replace("in_progress BOOLEAN", "in_progress VARCHAR(5)"));

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool, table, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("in_progress is")
                .hasMessageContaining("needs a boolean");
    }

    @Test
    void anUnreachableDatabaseIsAStorageErrorWhoseMessageOmitsTheKey() {
        HikariDataSource closing = database().pool(1);
        JdbcIdempotencyStorage onClosedPool = new JdbcIdempotencyStorage(closing, storage.table(), null);
        closing.close();
        String key = key("unreachable");

        assertThatThrownBy(() -> onClosedPool.attemptLock(key, bytes("v"), LONG))
                .isInstanceOf(IdempotencyStorageException.class)
                .hasMessageNotContaining(key);
        assertThatThrownBy(onClosedPool::ping).isInstanceOf(IdempotencyStorageException.class);
    }

    @Test
    void deleteExpiredRemovesExpiredRowsInBatchesAndKeepsLiveOnes() throws Exception {
        JdbcIdempotencyStorage cleaned = new JdbcIdempotencyStorage(log.wrap(pool), createTable(), null);
        for (int i = 0; i < 25; i++) {
            cleaned.attemptLock(key("expired-" + i), bytes("v"), Duration.ofMillis(1));
        }
        cleaned.attemptLock(key("live"), bytes("v"), LONG);
        Thread.sleep(50);
        int[] deleted = new int[1];

        List<String> sent = log.during(() -> deleted[0] = cleaned.deleteExpired(10));

        assertThat(deleted[0]).isEqualTo(25);
        assertThat(sent).filteredOn("DELETE"::equals).as("batches of 10, 10 and 5").hasSize(3);
        assertThat(rows(cleaned.table())).isEqualTo(1);
        assertThat(cleaned.read(key("live"))).isPresent();
    }

    /** A new table from the shipped script, dropped after the class. */
    protected TableName createTable() {
        return createTable(script -> script);
    }

    protected TableName createTable(UnaryOperator<String> change) {
        TableName table = new TableName("it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        String script;
        try {
            script = new ClassPathResource("dev/idempotency/storage/jdbc/schema-" + JdbcDialect.of(pool).name() + ".sql")
                    .getContentAsString(StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        tables.add(table);
        for (String statement : change.apply(table.applyTo(script)).split(";")) {
            String sql = statement.lines().filter(line -> !line.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).strip();
            if (!sql.isEmpty()) {
                jdbc().execute(sql);
            }
        }
        return table;
    }

    protected HikariDataSource pool() {
        return pool;
    }

    protected JdbcTemplate jdbc() {
        return new JdbcTemplate(pool);
    }

    protected int rows(TableName table) {
        return jdbc().queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
    }

    /** A connection of the pool in a transaction of the test's, for holding rows locked. */
    protected Connection transaction() throws Exception {
        Connection connection = pool.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    private OwnerToken claim(String key, byte[] value, Duration lease) {
        ClaimResult result = storage.attemptLock(key, value, lease);
        assertThat(result).isInstanceOf(ClaimResult.Acquired.class);
        return ((ClaimResult.Acquired) result).token();
    }

    /**
     * Connections whose answers are lost while {@link #losing}: each statement (under auto-commit)
     * or commit reaches the database and takes effect, then the driver reports the connection
     * broken, as when the network drops the answer.
     */
    private static final class AnswerLosingDataSource extends DelegatingDataSource {

        private static final Set<String> EFFECTIVE = Set.of("execute", "executeQuery", "executeUpdate",
                "executeLargeUpdate", "executeBatch");

        volatile boolean losing;

        AnswerLosingDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = super.getConnection();
            return proxy(Connection.class, connection, (method, args) -> {
                Object result = method.invoke(connection, args);
                if (result instanceof PreparedStatement statement) {
                    return proxy(PreparedStatement.class, statement, (statementMethod, statementArgs) -> {
                        Object answer = statementMethod.invoke(statement, statementArgs);
                        if (EFFECTIVE.contains(statementMethod.getName()) && connection.getAutoCommit()) {
                            lose();
                        }
                        return answer;
                    });
                }
                if (method.getName().equals("commit")) {
                    lose();
                }
                return result;
            });
        }

        private void lose() throws SQLException {
            if (losing) {
                throw new SQLTransientConnectionException("injected: the answer was lost after the database acted");
            }
        }

        private static <T> T proxy(Class<T> type, Object target, Call call) {
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
                    (proxy, method, args) -> {
                        try {
                            return call.invoke(method, args);
                        }
                        catch (InvocationTargetException ex) {
                            throw ex.getCause();
                        }
                    }));
        }

        private interface Call {
            Object invoke(Method method, Object[] args) throws Exception;
        }
    }
}
