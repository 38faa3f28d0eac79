package dev.idempotency.storage.jdbc;

import org.junit.jupiter.api.Test;

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
}
