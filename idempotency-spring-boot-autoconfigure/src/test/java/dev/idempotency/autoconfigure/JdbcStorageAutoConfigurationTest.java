package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.jdbc.ExpiredEntryCleaner;
import dev.idempotency.storage.jdbc.JdbcIdempotencyStorage;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.ForeignDatabase;
import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class JdbcStorageAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, IdempotencyAutoConfiguration.class))
            .withPropertyValues("idempotency.storage.type=jdbc");

    private final ApplicationContextRunner onH2 = runner
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

    @Test
    void onAnEmbeddedDatabaseTheTableIsCreatedAndKeysAreKeptInIt() {
        onH2.run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(JdbcIdempotencyStorage.class)
                    .hasSingleBean(ExpiredEntryCleaner.class);
            IdempotencyStorage storage = context.getBean(IdempotencyStorage.class);

            assertThat(storage.attemptLock("k", new byte[] {1}, Duration.ofSeconds(30))).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(rows(context.getBean(DataSource.class), "idempotency_entry")).isEqualTo(1);
        });
    }

    @Test
    void theTableNameIsConfigurable() {
        onH2.withPropertyValues("idempotency.storage.jdbc.table-name=order_keys").run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(IdempotencyStorage.class).attemptLock("k", new byte[] {1}, Duration.ofSeconds(30));

            assertThat(rows(context.getBean(DataSource.class), "order_keys")).isEqualTo(1);
        });
    }

    @Test
    void aTableNameThatIsNotAnIdentifierFailsNamingTheProperty() {
        onH2.withPropertyValues("idempotency.storage.jdbc.table-name=keys; DROP TABLE orders").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("idempotency.storage.jdbc.table-name")
                    .hasMessageContaining("unquoted SQL identifier");
        });
    }

    @Test
    void withInitializeSchemaNeverAnEmbeddedDatabaseWithoutTheTableFailsNamingTheScript() {
        onH2.withPropertyValues("idempotency.storage.jdbc.initialize-schema=never").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new JdbcStorageFailureAnalyzer().analyze(context.getStartupFailure());

            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("'idempotency_entry' is missing")
                    .contains("classpath:dev/idempotency/storage/jdbc/schema-h2.sql");
            assertThat(analysis.getAction()).contains("idempotency.storage.jdbc.initialize-schema=always")
                    .contains("Flyway");
        });
    }

    @Test
    void onAServerDatabaseTheTableIsNotCreatedByDefaultAndStartUpNamesTheScript() {
        String table = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        onPostgreSql().withPropertyValues("idempotency.storage.jdbc.table-name=" + table).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(org.postgresql.util.PSQLException.class);
            FailureAnalysis analysis = new JdbcStorageFailureAnalyzer().analyze(context.getStartupFailure());

            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("'" + table + "' is missing")
                    .contains("classpath:dev/idempotency/storage/jdbc/schema-postgresql.sql")
                    .contains("with 'idempotency_entry' replaced by '" + table + "'");
        });
    }

    @Test
    void withInitializeSchemaAlwaysAServerDatabaseGetsTheTable() {
        String table = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        onPostgreSql().withPropertyValues("idempotency.storage.jdbc.table-name=" + table,
                "idempotency.storage.jdbc.initialize-schema=always").run(context -> {
                    DataSource dataSource = context.getBean(DataSource.class);
                    try {
                        assertThat(context).hasNotFailed();
                        context.getBean(IdempotencyStorage.class).attemptLock("k", new byte[] {1}, Duration.ofSeconds(30));

                        assertThat(rows(dataSource, table)).isEqualTo(1);
                    }
                    finally {
                        new JdbcTemplate(dataSource).execute("DROP TABLE IF EXISTS " + table);
                    }
                });
    }

    @Test
    void expiredRowsAreDeletedEveryCleanupInterval() {
        onH2.withPropertyValues("idempotency.storage.jdbc.cleanup-interval=100ms").run(context -> {
            DataSource dataSource = context.getBean(DataSource.class);
            IdempotencyStorage storage = context.getBean(IdempotencyStorage.class);
            storage.attemptLock("expiring", new byte[] {1}, Duration.ofMillis(1));
            storage.attemptLock("live", new byte[] {1}, Duration.ofSeconds(30));
            assertThat(rows(dataSource, "idempotency_entry")).isEqualTo(2);

            await().atMost(Duration.ofSeconds(20)).until(() -> rows(dataSource, "idempotency_entry") == 1);
        });
    }

    @Test
    void anUnsupportedDatabaseFailsNamingTheSupportedOnes() {
        HikariDataSource h2 = new TestDatabase("jdbc:h2:mem:" + UUID.randomUUID(), "sa").pool(1);
        try {
            runner.withBean(DataSource.class, () -> ForeignDatabase.reportingAs(h2, "MySQL", "8.0.36", 8, 0))
                    .run(context -> {
                        assertThat(context).hasFailed();
                        FailureAnalysis analysis = new UnsupportedDatabaseFailureAnalyzer()
                                .analyze(context.getStartupFailure());

                        assertThat(analysis).isNotNull();
                        assertThat(analysis.getDescription()).contains("does not support MySQL")
                                .contains("PostgreSQL 9.5 or later, MariaDB 10.6 or later, and H2 2.x");
                        assertThat(analysis.getAction()).contains("idempotency.storage.type");
                    });
        }
        finally {
            h2.close();
        }
    }

    @Test
    void jdbcWithoutItsLibraryFailsWithAnAnalysisNamingTheStarter() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.jdbc", "org.springframework.boot.jdbc"))
                .withPropertyValues("idempotency.storage.type=jdbc")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new StorageLibraryMissingFailureAnalyzer()
                            .analyze(context.getStartupFailure());

                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("idempotency.storage.type").contains("jdbc");
                    assertThat(analysis.getAction()).contains("spring-boot-starter-jdbc");
                });
    }

    @Test
    void aStorageOfTheApplicationsOwnReplacesTheJdbcOne() {
        onH2.withBean(IdempotencyStorage.class, () -> new InMemoryIdempotencyStorage(10,
                Duration.ofMinutes(1))).run(context -> {
                    assertThat(context).hasNotFailed()
                            .doesNotHaveBean(JdbcIdempotencyStorage.class)
                            .doesNotHaveBean(ExpiredEntryCleaner.class);
                });
    }

    private ApplicationContextRunner onPostgreSql() {
        TestDatabase postgres = TestDatabase.postgresql();
        return runner.withPropertyValues("spring.datasource.url=" + postgres.jdbcUrl(),
                "spring.datasource.username=" + postgres.username());
    }

    private static int rows(DataSource dataSource, String table) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
    }
}
