package dev.idempotency.storage.jdbc;

import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.testsupport.ForeignDatabase;
import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcDialectTest {

    private final HikariDataSource h2 = new TestDatabase("jdbc:h2:mem:" + UUID.randomUUID(), "sa").pool(1);

    @AfterEach
    void close() {
        h2.close();
    }

    @Test
    void anUnsupportedDatabaseFailsNamingTheSupportedOnes() {
        DataSource oracle = ForeignDatabase.reportingAs(h2, "Oracle", "Oracle Database 23ai", 23, 0);

        assertThatThrownBy(() -> JdbcDialect.of(oracle))
                .isInstanceOf(UnsupportedDatabaseException.class)
                .hasMessageContaining("does not support Oracle")
                .hasMessageContaining(JdbcDialect.SUPPORTED);
    }

    @Test
    void mySqlIsRefusedWithTheReason() {
        DataSource mySql = ForeignDatabase.reportingAs(h2, "MySQL", "8.0.36", 8, 0);

        assertThatThrownBy(() -> JdbcDialect.of(mySql))
                .isInstanceOf(UnsupportedDatabaseException.class)
                .hasMessageContaining("MySQL has no INSERT ... RETURNING");
    }

    @Test
    void aMariaDbOlderThanSkipLockedIsRefused() {
        DataSource old = ForeignDatabase.reportingAs(h2, "MariaDB", "10.5.26-MariaDB", 10, 5);

        assertThatThrownBy(() -> JdbcDialect.of(old)).isInstanceOf(UnsupportedDatabaseException.class);
    }

    @Test
    void theSchemaScriptOfEachDatabaseIsInTheJar() {
        assertThat(JdbcDialect.of(h2).schemaLocation()).isEqualTo("classpath:dev/idempotency/storage/jdbc/schema-h2.sql");
        for (JdbcDialect dialect : new JdbcDialect[] {new PostgreSqlDialect(), new MariaDbDialect(), new H2Dialect()}) {
            assertThat(getClass().getResource("/" + dialect.schemaLocation().substring("classpath:".length())))
                    .as(dialect.name()).isNotNull();
        }
    }

    @Test
    void aTableNameMustBeAPlainIdentifier() {
        assertThat(new TableName("orders_idempotency").applyTo("CREATE INDEX idempotency_entry_expires_at ON idempotency_entry"))
                .isEqualTo("CREATE INDEX orders_idempotency_expires_at ON orders_idempotency");
        assertThatThrownBy(() -> new TableName("entries; DROP TABLE orders")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableName("app.entries")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableName("x".repeat(49))).isInstanceOf(IllegalArgumentException.class);
    }
}
