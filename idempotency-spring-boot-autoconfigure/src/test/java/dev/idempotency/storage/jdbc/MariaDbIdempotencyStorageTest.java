package dev.idempotency.storage.jdbc;

import org.junit.jupiter.api.Test;

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
}
