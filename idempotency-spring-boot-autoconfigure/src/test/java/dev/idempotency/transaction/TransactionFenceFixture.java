package dev.idempotency.transaction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.engine.IdempotentWork;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.Takeover;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the transaction fence tests share: keepers on one storage, an orders table of the test's
 * own in a real database with transactions fenced by the keeper under test, and other threads.
 */
final class TransactionFenceFixture implements AutoCloseable {

    static final Duration RETENTION = Duration.ofHours(1);
    static final Duration LEASE = Duration.ofSeconds(30);
    /** Stores text and marks what it decodes, so a replay is told apart from a run. */
    static final Utf8Codec CODEC = new Utf8Codec("replayed:");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final DataSource database;
    private final String orders = "it_orders_" + run;
    private final List<IdempotencyKeeper> keepers = new ArrayList<>();
    private final ExecutorService otherThreads = Executors.newCachedThreadPool();
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order").build();
    private final List<IdempotencyKey> keysUsed = new ArrayList<>();
    private int keys;

    TransactionFenceFixture(DataSource database) {
        this.database = database;
        jdbc().execute("CREATE TABLE " + orders + " (item VARCHAR(64) NOT NULL)");
    }

    /** A keeper on {@code storage} (every keeper of a test shares its key prefix: they are instances of one service). */
    IdempotencyKeeper keeper(IdempotencyStorage storage, Duration lease, boolean fenceEveryTransaction) {
        IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "tx-" + run + ".", RETENTION, lease,
                FailureMode.FAIL_CLOSED, Takeover.AFTER_LEASE, IdempotencyListener.NONE, new SpringTransactionHooks(),
                fenceEveryTransaction);
        keepers.add(keeper);
        return keeper;
    }

    /** Transactions on the orders' database, which tell {@code keeper} when they begin. */
    TransactionTemplate transactions(IdempotencyKeeper keeper) {
        DataSourceTransactionManager manager = new DataSourceTransactionManager(database);
        manager.addListener(new ClaimFencingTransactionListener(() -> keeper));
        return new TransactionTemplate(manager);
    }

    IdempotencyKey newKey() {
        IdempotencyKey key = new IdempotencyKey("orders", "key-" + ++keys);
        keysUsed.add(key);
        return key;
    }

    /** Every key {@link #newKey()} gave out. */
    List<IdempotencyKey> keysUsed() {
        return List.copyOf(keysUsed);
    }

    RequestFingerprint fingerprint() {
        return fingerprint;
    }

    /** Runs {@code work} through {@code keeper} for {@code key}, as the one request it protects. */
    <E extends Throwable> String execute(IdempotencyKeeper keeper, IdempotencyKey key, IdempotentWork<String, E> work)
            throws E {
        return keeper.execute(key, fingerprint, CODEC, work);
    }

    /** Inserts an order; joins the transaction running on the thread, if any. */
    void insertOrder(String item) {
        jdbc().update("INSERT INTO " + orders + " (item) VALUES (?)", item);
    }

    int orders(String item) {
        return jdbc().queryForObject("SELECT COUNT(*) FROM " + orders + " WHERE item = ?", Integer.class, item);
    }

    <T> Future<T> onAnotherThread(Callable<T> call) {
        return otherThreads.submit(call);
    }

    /**
     * The holder inserts the order "stale" in a transaction; before it commits, its key is
     * evicted and another instance claims it, commits the order "new-owner" and completes. Then
     * the holder's transaction commits (or, fenced, is refused).
     *
     * @return what the holder's work returned
     */
    String takeOverBeforeTheHolderCommits(IdempotencyStorage storage, boolean fenceEveryTransaction) {
        IdempotencyKeeper holder = keeper(storage, LEASE, fenceEveryTransaction);
        IdempotencyKeeper otherInstance = keeper(storage, LEASE, fenceEveryTransaction);
        TransactionTemplate otherTransactions = transactions(otherInstance);
        IdempotencyKey key = newKey();
        return execute(holder, key, () -> transactions(holder).execute(status -> {
            insertOrder("stale");
            otherInstance.evict(key);
            join(onAnotherThread(() -> execute(otherInstance, key, () -> {
                otherTransactions.executeWithoutResult(inner -> insertOrder("new-owner"));
                return "new-owner's order";
            })));
            return "stale order";
        }));
    }

    /** After {@link #takeOverBeforeTheHolderCommits} refused the holder's commit. */
    void assertOnlyTheNewOwnersOrderCommitted() {
        assertThat(orders("stale")).as("the stale holder's order, rolled back").isZero();
        assertThat(orders("new-owner")).isOne();
    }

    /**
     * A work that commits the order "failed-late" and then fails is never run again under its key,
     * for {@code keeper}: a retry is refused as not replayable.
     */
    void assertAWorkThatFailsAfterItsCommitNeverRunsAgain(IdempotencyKeeper keeper) {
        TransactionTemplate transactions = transactions(keeper);
        IdempotencyKey key = newKey();

        assertThatThrownBy(() -> execute(keeper, key, () -> {
            transactions.executeWithoutResult(status -> insertOrder("failed-late"));
            throw new IllegalStateException("failed after the commit");
        })).hasMessage("failed after the commit");

        assertThatThrownBy(() -> execute(keeper, key, () -> {
            insertOrder("retry-of-failed-late");
            return "order";
        })).isInstanceOf(IdempotentResultNotReplayableException.class);
        assertThat(orders("failed-late")).isOne();
        assertThat(orders("retry-of-failed-late")).isZero();
    }

    /** What {@code future} answers within 30 seconds; its failure as the cause of an {@link IllegalStateException}. */
    static <T> T join(Future<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        }
        catch (ExecutionException ex) {
            throw new IllegalStateException(ex.getCause());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private JdbcTemplate jdbc() {
        return new JdbcTemplate(database);
    }

    @Override
    public void close() {
        otherThreads.shutdownNow();
        keepers.forEach(IdempotencyKeeper::close);
        jdbc().execute("DROP TABLE " + orders);
    }
}
