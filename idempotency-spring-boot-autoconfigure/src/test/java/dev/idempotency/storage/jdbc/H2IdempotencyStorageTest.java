package dev.idempotency.storage.jdbc;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.transaction.TransactionDefinition;


import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

class H2IdempotencyStorageTest extends JdbcIdempotencyStorageTest {

    private final TestDatabase database = new TestDatabase(
            "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa");

    @Override
    protected TestDatabase database() {
        return database;
    }

    @Override
    protected String withZoneDependentExpiry(String script) {
        return script.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP");
    }

    @Test
    void theDialectIsH2() {
        assertThat(JdbcDialect.of(pool())).isInstanceOf(H2Dialect.class);
    }

    @Test
    void aTransactionAtRepeatableReadIsNotJoined() {
        transactionsAt(TransactionDefinition.ISOLATION_REPEATABLE_READ).executeWithoutResult(
                status -> assertThat(jdbcStorage().joinsCurrentTransaction()).isFalse());
    }
}
