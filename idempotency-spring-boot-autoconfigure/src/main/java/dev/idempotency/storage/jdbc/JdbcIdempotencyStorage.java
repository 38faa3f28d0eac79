package dev.idempotency.storage.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.OwnerTokens;
import dev.idempotency.storage.StoredEntry;

/**
 * An {@link IdempotencyStorage} in one table of a relational database, shared by every instance
 * on that database: PostgreSQL, MariaDB, or H2 for tests ({@link JdbcDialect#SUPPORTED}), through
 * Spring's {@link JdbcClient}.
 *
 * <p><b>Table.</b> One row per entry: {@code storage_key} (the primary key, as the engine derived
 * it), {@code owner_token} (the claim that wrote the row, from {@link OwnerTokens}),
 * {@code in_progress}, {@code committed} (a committed mark, see below), {@code entry_value} (the
 * caller's bytes, empty included) and {@code expires_at} (the end of the lease or of the
 * retention). A completed row keeps the token of the claim that completed it, so that a repeated
 * completion can be recognised; no owner-only statement changes a completed row, and only the
 * owner's completion or confirmation changes its committed mark. The schema
 * scripts are inside this jar ({@link JdbcDialect#schemaLocation()}); the constructor checks the
 * table and fails with a {@link JdbcSchemaException} naming the script when it is missing or
 * differs.
 *
 * <p><b>Expiry.</b> The database's clock decides, in every statement (see each dialect); an
 * expired row behaves as absent and is deleted later by {@link #deleteExpired}. Durations are
 * rounded up to whole microseconds; a zero or negative one is an {@link IllegalArgumentException}.
 *
 * <p><b>Statements.</b> One per operation: the claim whether it wins, loses (answering the stored
 * bytes) or takes over an expired row (see the dialect; on PostgreSQL a claim that raced another
 * claim's commit of the same key runs once more). {@link #complete}, {@link #release} and
 * {@link #extend} are one owner-checked statement each; a completion that finds nothing to
 * complete runs one more, to tell a repeat of its own completion (whose answer was lost: it
 * answers {@code true}) from a key another claim owns or that is gone ({@code false}); a renewal
 * that finds nothing to renew runs one more for the same reason.
 *
 * <p><b>Transactions.</b> Every statement runs in a transaction of its own on a connection of its
 * own, committed before the method returns, even when the calling thread is inside an application
 * transaction on the same {@link DataSource}: a claim must be seen by other instances at once and
 * must survive that transaction's rollback. (The storage reaches the pool through a
 * {@link DelegatingDataSource}, which Spring's transaction synchronization does not recognise as
 * the application's.) A thread inside such a transaction therefore holds two connections while it
 * calls the storage; size the pool for it.
 *
 * <p><b>Committed marks.</b> The one exception is {@link #confirmBeforeCommit}, called just before
 * such a transaction commits the claim's work: it runs on the transaction's own connection, so
 * the mark it writes (the row no longer in progress, {@code committed} set, the engine's value for
 * "ran, result not stored yet", kept for the retention) commits or rolls back with the
 * application's data. Once committed, no claim takes the key over, however short its lease: a
 * retry gets the mark's value. The owner's completion then replaces it; its release leaves it.
 *
 * <p>Spring's {@link DataAccessException}s, into which it translates the driver's errors, and its
 * {@link TransactionException}s are rethrown as {@link IdempotencyStorageException}, without the
 * key in the message.
 */
public final class JdbcIdempotencyStorage implements IdempotencyStorage {

    /** The length of the {@code storage_key} column. */
    public static final int MAX_KEY_LENGTH = 255;

    private static final int MAX_CLAIM_ATTEMPTS = 16;

    private final JdbcDialect dialect;
    private final TableName table;
    private final DataSource applicationDataSource;
    private final JdbcTemplate template;
    private final JdbcClient jdbc;
    /** On the application's DataSource itself, so that its statements join the transaction running on the thread. */
    private final JdbcClient inApplicationTransaction;
    private final TransactionOperations readCommitted;
    private final JdbcStatements statements;
    private final OwnerTokens tokens = new OwnerTokens();

    /**
     * Uses {@code table} on {@code dataSource}, whose database and table it checks at once. Every
     * statement may run for at most {@code timeout} (rounded up to whole seconds, JDBC's unit), or
     * as long as the driver lets it when {@code null}.
     *
     * @param dataSource the application's DataSource; the storage's own statements run outside its transactions
     * @param table the table the entries are in
     * @param timeout the longest any statement may run, or {@code null} for the driver's limit
     * @throws UnsupportedDatabaseException when the database is not one of {@link JdbcDialect#SUPPORTED}
     * @throws JdbcSchemaException when the table is missing or is not what the schema script creates
     * @throws IdempotencyStorageException when the database cannot be reached
     */
    public JdbcIdempotencyStorage(DataSource dataSource, TableName table, Duration timeout) {
        this.applicationDataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = Objects.requireNonNull(table, "table");
        DataSource ownTransactions = new DelegatingDataSource(dataSource);
        this.dialect = JdbcDialect.of(ownTransactions);
        JdbcTemplate template = timed(new JdbcTemplate(ownTransactions), timeout);
        JdbcSchema.verify(template, dialect, table);
        this.template = template;
        this.jdbc = JdbcClient.create(template);
        this.inApplicationTransaction = JdbcClient.create(timed(new JdbcTemplate(dataSource), timeout));
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(ownTransactions));
        transactions.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.readCommitted = transactions;
        this.statements = JdbcStatements.of(dialect, table);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        requireStorable(key);
        long leaseMicros = micros(lease);
        OwnerToken token = tokens.next();
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            Optional<ClaimedRow> row = claimOnce(key, token, value, leaseMicros);
            if (row.isPresent()) {
                return token.value().equals(row.get().owner()) ? new ClaimResult.Acquired(token)
                        : new ClaimResult.Held(row.get().value());
            }
        }
        throw new IdempotencyStorageException("JDBC idempotency storage could not claim an entry: "
                + MAX_CLAIM_ATTEMPTS + " attempts in a row raced concurrent claims");
    }

    /** Empty when the statement raced a concurrent claim and must run again, which changed nothing. */
    private Optional<ClaimedRow> claimOnce(String key, OwnerToken token, byte[] value, long leaseMicros) {
        try {
            return jdbc.sql(statements.claim())
                    .param("key", key)
                    .param("owner", token.value())
                    .param("value", value)
                    .param("lease", leaseMicros)
                    .query(JdbcIdempotencyStorage::claimedRow)
                    .optional();
        }
        catch (DuplicateKeyException ex) {
            // Another claim inserted the key at the same moment (H2's MERGE): this statement was
            // rolled back whole, so claiming again is safe.
            return Optional.empty();
        }
        catch (DataAccessException ex) {
            throw failure("claim", ex);
        }
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        long retentionMicros = micros(retention);
        return call("complete", () -> {
            int completed = jdbc.sql(statements.complete())
                    .param("value", value)
                    .param("retention", retentionMicros)
                    .param("key", key)
                    .param("owner", token.value())
                    .update();
            return completed == 1 || jdbc.sql(statements.completedByOwner())
                    .param("key", key)
                    .param("owner", token.value())
                    .param("value", value)
                    .query(Long.class)
                    .single() > 0;
        });
    }

    /**
     * In a transaction this storage {@link #joinsCurrentTransaction() joins}, one owner-checked
     * {@code UPDATE} on the transaction's own connection that turns the in-progress row (or an
     * earlier mark) into the committed mark: not in progress, flagged {@code committed}, holding
     * {@code committedValue} until {@code retention} from now. Otherwise the renewal every storage
     * does.
     */
    @Override
    public boolean confirmBeforeCommit(String key, OwnerToken token, byte[] committedValue, Duration lease,
            Duration retention) {
        if (!joinsCurrentTransaction()) {
            return IdempotencyStorage.super.confirmBeforeCommit(key, token, committedValue, lease, retention);
        }
        long retentionMicros = micros(retention);
        return call("confirm", () -> inApplicationTransaction.sql(statements.confirm())
                .param("value", committedValue)
                .param("retention", retentionMicros)
                .param("key", key)
                .param("owner", token.value())
                .update() == 1);
    }

    /**
     * {@code true} when a transaction of the application's runs on this thread holding a connection
     * of this storage's {@link DataSource} (a {@link DataSourceTransactionManager}'s, or a JPA
     * transaction manager's that exposes its connection), with auto-commit off, at an isolation at
     * which the database shows the statement the claim's newest row: READ COMMITTED (on MariaDB,
     * any).
     */
    @Override
    public boolean joinsCurrentTransaction() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !(TransactionSynchronizationManager.getResource(applicationDataSource) instanceof ConnectionHolder holder)
                || !dialect.seesLatestRowsAt(TransactionSynchronizationManager.getCurrentTransactionIsolationLevel())) {
            return false;
        }
        try {
            return !holder.getConnection().getAutoCommit();
        }
        catch (SQLException ex) {
            // A connection that cannot tell is broken: the transaction's commit fails without the mark.
            return false;
        }
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return call("release", () -> jdbc.sql(statements.release())
                .param("key", key)
                .param("owner", token.value())
                .update() == 1);
    }

    /**
     * One statement; a renewal that finds nothing to renew asks once more whether this claim
     * completed the key (its completion's answer lost), which is no lost lease.
     */
    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        long leaseMicros = micros(lease);
        return call("extend", () -> jdbc.sql(statements.extend())
                .param("lease", leaseMicros)
                .param("key", key)
                .param("owner", token.value())
                .update() == 1 || jdbc.sql(statements.completedBy())
                        .param("key", key)
                        .param("owner", token.value())
                        .query(Long.class)
                        .single() > 0);
    }

    @Override
    public boolean delete(String key) {
        return call("delete", () -> jdbc.sql(statements.delete()).param("key", key).update() == 1);
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        return call("read", () -> jdbc.sql(statements.read())
                .param("key", key)
                .query((row, number) -> new StoredEntry(row.getBytes(1), row.getBoolean(2), dialect.expiresAt(row, 3)))
                .optional());
    }

    /** One {@code SELECT 1}. */
    @Override
    public void ping() {
        call("ping", () -> jdbc.sql("SELECT 1").query(Integer.class).single());
    }

    @Override
    public String name() {
        return "jdbc";
    }

    /** {@return the table the entries are in} */
    public TableName table() {
        return table;
    }

    /** {@return the database's dialect, chosen from the connection's metadata} */
    public JdbcDialect dialect() {
        return dialect;
    }

    /**
     * Deletes expired rows in batches of at most {@code batchSize}, each a statement (or a short
     * transaction) of its own, until a batch finds fewer. Rows that a concurrent cleaner or claim
     * holds are skipped, not waited for, so any number of instances may run this at once.
     *
     * @param batchSize the most rows one batch deletes; at least 1
     * @return how many rows were deleted
     * @throws IllegalArgumentException when {@code batchSize} is below 1
     * @throws IdempotencyStorageException when the database fails
     */
    public int deleteExpired(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        return call("clean up", () -> {
            int total = 0;
            int deleted;
            do {
                deleted = dialect.deleteExpired(template, readCommitted, table, batchSize);
                total += deleted;
            }
            while (deleted >= batchSize);
            return total;
        });
    }

    private static JdbcTemplate timed(JdbcTemplate template, Duration timeout) {
        if (timeout != null) {
            template.setQueryTimeout((int) Math.max(1, timeout.plusMillis(999).toSeconds()));
        }
        return template;
    }

    private static ClaimedRow claimedRow(ResultSet row, int number) throws SQLException {
        return new ClaimedRow(row.getString(1), row.getBytes(2));
    }

    private static void requireStorable(String key) {
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("A JDBC idempotency storage key is at most " + MAX_KEY_LENGTH
                    + " characters, was " + key.length() + "; shorten idempotency.key-prefix");
        }
    }

    /** Rounds up, so that a sub-microsecond duration is not stored as an entry already expired. */
    private static long micros(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("Expiry must be positive, was " + duration);
        }
        return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), (duration.getNano() + 999) / 1000);
    }

    private static <T> T call(String operation, Supplier<T> statements) {
        try {
            return statements.get();
        }
        catch (DataAccessException | TransactionException ex) {
            throw failure(operation, ex);
        }
    }

    private static IdempotencyStorageException failure(String operation, RuntimeException ex) {
        // The key stays out of the message; the cause says what the database or the driver reported.
        return new IdempotencyStorageException("JDBC idempotency storage could not " + operation + " an entry", ex);
    }

    /** The row a claim left: who owns it, and its bytes when that is not the claim itself. */
    private record ClaimedRow(String owner, byte[] value) {
    }
}
