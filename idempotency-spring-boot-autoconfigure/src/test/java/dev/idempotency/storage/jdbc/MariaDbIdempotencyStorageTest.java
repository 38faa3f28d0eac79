package dev.idempotency.storage.jdbc;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MariaDbIdempotencyStorageTest extends SharedDatabaseStorageTest {

    @Override
    protected TestDatabase database() {
        return TestDatabase.mariadb();
    }

    @Override
    protected String withZoneDependentExpiry(String script) {
        return script.replace("DATETIME(6)", "TIMESTAMP(6)");
    }

    @Test
    void theDialectIsMariaDb() {
        assertThat(JdbcDialect.of(pool())).isInstanceOf(MariaDbDialect.class);
    }

    @Test
    void aKeyColumnThatIgnoresCaseIsRefused() {
        TableName table = createTable(script -> script.replace("COLLATE ascii_bin", "COLLATE ascii_general_ci"));

        assertThatThrownBy(() -> new JdbcIdempotencyStorage(pool(), table, null))
                .isInstanceOf(JdbcSchemaException.class)
                .hasMessageContaining("storage_key has the case-insensitive collation ascii_general_ci");
    }

    /**
     * InnoDB's UPDATE reads the newest committed row whatever the isolation, so a transaction at
     * REPEATABLE READ (MariaDB's default), whose snapshot predates the claim, still confirms it.
     */
    @Test
    void aRepeatableReadTransactionWhoseSnapshotPredatesTheClaimStillConfirmsIt() {
        String key = key("confirm-repeatable-read");
        String[] value = new String[1];

        transactionsAt(TransactionDefinition.ISOLATION_REPEATABLE_READ).executeWithoutResult(status -> {
            new JdbcTemplate(pool()).queryForObject("SELECT COUNT(*) FROM information_schema.TABLES", Long.class);
            OwnerToken token = ((ClaimResult.Acquired) jdbcStorage().attemptLock(key, bytes("claimed"), LONG)).token();
            assertThat(jdbcStorage().joinsCurrentTransaction()).isTrue();
            assertThat(jdbcStorage().confirmBeforeCommit(key, token, bytes("committed"), LONG, LONG)).isTrue();
            value[0] = "confirmed";
        });

        assertThat(value[0]).isEqualTo("confirmed");
        assertThat(heldValue(key)).isEqualTo(bytes("committed"));
    }
}
