package dev.idempotency.storage.jdbc;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

class PostgreSqlIdempotencyStorageTest extends SharedDatabaseStorageTest {

    @Override
    protected TestDatabase database() {
        return TestDatabase.postgresql();
    }

    @Override
    protected String withZoneDependentExpiry(String script) {
        return script.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP");
    }

    @Test
    void theDialectIsPostgreSql() {
        assertThat(JdbcDialect.of(pool())).isInstanceOf(PostgreSqlDialect.class);
    }

    /**
     * At REPEATABLE READ a statement sees the rows committed when the transaction took its
     * snapshot: not a claim made after it, nor its lease renewed since. Such a transaction is not
     * joined, so its mark is not written where it would miss the claim.
     */
    @Test
    void aTransactionAtRepeatableReadIsNotJoined() {
        transactionsAt(TransactionDefinition.ISOLATION_REPEATABLE_READ).executeWithoutResult(
                status -> assertThat(jdbcStorage().joinsCurrentTransaction()).isFalse());
        transactionsAt(TransactionDefinition.ISOLATION_READ_COMMITTED).executeWithoutResult(
                status -> assertThat(jdbcStorage().joinsCurrentTransaction()).isTrue());
    }

    @Test
    void aConfirmLateInALongTransactionJudgesTheLeaseByTheClockNotByTheTransactionsStart() throws Exception {
        String key = key("confirm-late");
        OwnerToken token = ((ClaimResult.Acquired) jdbcStorage().attemptLock(key, bytes("claimed"), SHORT)).token();

        transactionsAt(TransactionDefinition.ISOLATION_DEFAULT).executeWithoutResult(status -> {
            // The transaction's now() is fixed from here on.
            new JdbcTemplate(pool()).queryForObject("SELECT now()", Object.class);
            sleep(PAST_SHORT_MILLIS);
            assertThat(jdbcStorage().confirmBeforeCommit(key, token, bytes("committed"), LONG, LONG))
                    .as("the lease ended while the transaction ran").isFalse();
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
