package dev.idempotency.transaction;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.engine.IdempotencyClaimLostException;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.storage.jdbc.JdbcIdempotencyStorage;
import dev.idempotency.testsupport.IdempotencyTable;
import dev.idempotency.testsupport.TestDatabase;

import static dev.idempotency.transaction.TransactionFenceFixture.LEASE;
import static dev.idempotency.transaction.TransactionFenceFixture.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fence on a JDBC storage that shares the application's PostgreSQL database: the claim's
 * committed mark commits with the work's transaction, so a retry after that commit never runs the
 * work again; a holder whose key another request took over cannot commit; and a result returned
 * inside a transaction commits with it, or not at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcTransactionFenceTest {

    private HikariDataSource pool;
    private IdempotencyTable table;
    private JdbcIdempotencyStorage storage;
    private TransactionFenceFixture fixture;

    @BeforeAll
    void openDatabase() {
        pool = TestDatabase.postgresql().pool(8);
        table = IdempotencyTable.create(pool);
        storage = new JdbcIdempotencyStorage(pool, table.name(), Duration.ofSeconds(10));
    }

    @AfterAll
    void closeDatabase() {
        if (pool != null) {
            table.drop(pool);
            pool.close();
        }
    }

    @BeforeEach
    void newFixture() {
        fixture = new TransactionFenceFixture(pool);
    }

    @AfterEach
    void closeFixture() {
        fixture.close();
    }

    @Test
    void aRetryOnceTheWorksTransactionCommittedIsRefusedAsNotReplayableEvenPastTheLease() throws Exception {
        Duration lease = Duration.ofMillis(300);
        IdempotencyKeeper keeper = fixture.keeper(storage, lease, false);
        TransactionTemplate transactions = fixture.transactions(keeper);
        IdempotencyKey key = fixture.newKey();
        CountDownLatch committed = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);

        Future<String> first = fixture.onAnotherThread(() -> fixture.execute(keeper, key, () -> {
            transactions.executeWithoutResult(status -> fixture.insertOrder("first"));
            committed.countDown();
            // The result is not stored yet: the window a crash would leave open.
            finish.await(30, TimeUnit.SECONDS);
            return "order-1";
        }));
        assertThat(committed.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(lease.multipliedBy(3).toMillis());

        assertThatThrownBy(() -> fixture.execute(fixture.keeper(storage, lease, false), key, () -> {
            fixture.insertOrder("retry");
            return "order-2";
        })).isInstanceOf(IdempotentResultNotReplayableException.class);

        finish.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("order-1");
        assertThat(fixture.execute(keeper, key, () -> "order-3")).isEqualTo("replayed:order-1");
        assertThat(fixture.orders("first")).isOne();
        assertThat(fixture.orders("retry")).isZero();
    }

    @Test
    void aWorkThatFailsAfterItsTransactionCommittedNeverRunsAgain() {
        fixture.assertAWorkThatFailsAfterItsCommitNeverRunsAgain(fixture.keeper(storage, LEASE, false));
    }

    @Test
    void aHolderWhoseKeyWasTakenOverCannotCommit() {
        assertThatThrownBy(() -> fixture.takeOverBeforeTheHolderCommits(storage, false))
                .isInstanceOf(IdempotencyClaimLostException.class);

        fixture.assertOnlyTheNewOwnersOrderCommitted();
    }

    @Test
    void aResultReturnedInsideATransactionIsStoredWithItsCommit() {
        IdempotencyKeeper keeper = fixture.keeper(storage, LEASE, false);
        IdempotencyKeeper otherInstance = fixture.keeper(storage, LEASE, false);
        IdempotencyKey key = fixture.newKey();

        String result = fixture.transactions(keeper).execute(status -> {
            String order = fixture.execute(keeper, key, () -> {
                fixture.insertOrder("in-transaction");
                return "order";
            });
            // Returned, but its transaction has not committed: neither the order nor its result exists yet.
            assertThatThrownBy(() -> join(fixture.onAnotherThread(() -> fixture.execute(otherInstance, key, () -> "x"))))
                    .hasCauseInstanceOf(IdempotentRequestInProgressException.class);
            return order;
        });

        assertThat(result).isEqualTo("order");
        assertThat(fixture.execute(otherInstance, key, () -> "second run")).isEqualTo("replayed:order");
        assertThat(fixture.orders("in-transaction")).isOne();
    }

    @Test
    void aResultReturnedInsideATransactionThatRollsBackLeavesTheKeyToRunAgain() {
        IdempotencyKeeper keeper = fixture.keeper(storage, LEASE, false);
        IdempotencyKey key = fixture.newKey();

        fixture.transactions(keeper).executeWithoutResult(status -> {
            fixture.execute(keeper, key, () -> {
                fixture.insertOrder("rolled-back");
                return "order";
            });
            status.setRollbackOnly();
        });

        assertThat(fixture.execute(keeper, key, () -> "second run")).isEqualTo("second run");
        assertThat(fixture.orders("rolled-back")).isZero();
    }

    @Test
    void aReadOnlyTransactionOfTheWorkIsNotFenced() {
        IdempotencyKeeper keeper = fixture.keeper(storage, LEASE, false);
        TransactionTemplate readOnly = fixture.transactions(keeper);
        readOnly.setReadOnly(true);
        IdempotencyKey key = fixture.newKey();

        String result = fixture.execute(keeper, key, () -> {
            readOnly.executeWithoutResult(status -> fixture.orders("anything"));
            assertThatThrownBy(() -> join(fixture.onAnotherThread(() -> fixture.execute(keeper, key, () -> "x"))))
                    .as("nothing committed: the key is in progress, not marked")
                    .hasCauseInstanceOf(IdempotentRequestInProgressException.class);
            return "read";
        });

        assertThat(result).isEqualTo("read");
    }

    @Test
    void aTransactionOnAPooledThreadAfterItsClaimEndedIsNotFenced() throws Exception {
        IdempotencyKeeper keeper = fixture.keeper(storage, LEASE, false);
        TransactionTemplate transactions = fixture.transactions(keeper);
        IdempotencyKey key = fixture.newKey();
        ExecutorService pooledThread = Executors.newSingleThreadExecutor();
        try {
            pooledThread.submit(() -> fixture.execute(keeper, key, () -> "done")).get(30, TimeUnit.SECONDS);

            pooledThread.submit(() -> transactions.executeWithoutResult(status -> fixture.insertOrder("next task")))
                    .get(30, TimeUnit.SECONDS);
        }
        finally {
            pooledThread.shutdownNow();
        }

        assertThat(fixture.orders("next task")).isOne();
        assertThat(fixture.execute(keeper, key, () -> "again")).isEqualTo("replayed:done");
    }
}
