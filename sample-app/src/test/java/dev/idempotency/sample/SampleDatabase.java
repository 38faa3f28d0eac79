package dev.idempotency.sample;

import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import dev.idempotency.testsupport.TestDatabase;

/**
 * The PostgreSQL database of the sample's {@code jdbc} profile, as a test sees it: the orders and
 * idempotency tables created before any instance starts (two instances creating them at once can
 * race), orders counted by item, and a test's own rows deleted afterwards (the database is shared).
 */
final class SampleDatabase implements AutoCloseable {

    private final TestDatabase database = TestDatabase.postgresql();
    private final HikariDataSource pool = database.pool(2);

    SampleDatabase() {
        new ResourceDatabasePopulator(new ClassPathResource("db/sample-order-postgresql.sql"),
                new ClassPathResource("dev/idempotency/storage/jdbc/schema-postgresql.sql")).execute(pool);
    }

    /** The arguments that point a sample instance on the {@code jdbc} profile at this database. */
    String[] arguments() {
        return new String[] { "--spring.datasource.url=" + database.jdbcUrl(),
                "--spring.datasource.username=" + database.username() };
    }

    int orders(String item) {
        return jdbc().queryForObject("SELECT COUNT(*) FROM sample_order WHERE item = ?", Integer.class, item);
    }

    /** The one order of {@code item}. */
    UUID orderId(String item) {
        return jdbc().queryForObject("SELECT id FROM sample_order WHERE item = ?", UUID.class, item);
    }

    /** Whether a key under {@code keyPrefix} has been claimed. */
    boolean claimed(String keyPrefix) {
        return jdbc().queryForObject("SELECT COUNT(*) FROM idempotency_entry WHERE storage_key LIKE ?", Integer.class,
                keyPrefix + "%") > 0;
    }

    /** Deletes the orders whose item ends with {@code run} and the keys under {@code keyPrefix}. */
    void deleteRun(String run, String keyPrefix) {
        jdbc().update("DELETE FROM sample_order WHERE item LIKE ?", "%" + run);
        jdbc().update("DELETE FROM idempotency_entry WHERE storage_key LIKE ?", keyPrefix + "%");
    }

    private JdbcTemplate jdbc() {
        return new JdbcTemplate(pool);
    }

    @Override
    public void close() {
        pool.close();
    }
}
