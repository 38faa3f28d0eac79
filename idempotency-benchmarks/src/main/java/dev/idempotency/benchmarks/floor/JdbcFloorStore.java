package dev.idempotency.benchmarks.floor;

import java.util.List;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Plain statements through a {@link JdbcTemplate} on the application's {@code DataSource} (the
 * pool the library's JDBC storage uses), under auto-commit, on a table of the floor's own, created
 * on start and dropped on close: {@code SELECT}, and when the key is absent
 * {@code INSERT ... ON CONFLICT DO NOTHING} then {@code UPDATE}. A replay is one {@code SELECT}; a
 * fresh key three statements, as on NATS, where the floor also reads before it writes.
 * PostgreSQL's syntax, the sample app's {@code jdbc} profile's database.
 */
final class JdbcFloorStore implements FloorStore {

    private final JdbcTemplate jdbc;
    private final String table;
    private final String select;
    private final String insert;
    private final String update;

    JdbcFloorStore(DataSource dataSource, String table) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.table = table;
        jdbc.execute("CREATE TABLE " + table + " (idempotency_key VARCHAR(255) NOT NULL PRIMARY KEY, "
                + "entry BYTEA NOT NULL, expires_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        this.select = "SELECT entry FROM " + table + " WHERE idempotency_key = ?";
        this.insert = "INSERT INTO " + table + " (idempotency_key, entry, expires_at) "
                + "VALUES (?, ?, clock_timestamp() + ? * INTERVAL '1 millisecond') ON CONFLICT DO NOTHING";
        this.update = "UPDATE " + table + " SET entry = ?, expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond' "
                + "WHERE idempotency_key = ?";
    }

    @Override
    public Claim claim(String key) {
        byte[] held = held(key);
        if (held != null) {
            return new Claim(key, held, 0);
        }
        if (jdbc.update(insert, key, IN_PROGRESS, LEASE.toMillis()) == 1) {
            return new Claim(key, null, 0);
        }
        // Another request inserted it between the two statements.
        return new Claim(key, held(key), 0);
    }

    private byte[] held(String key) {
        List<byte[]> rows = jdbc.query(select, (row, n) -> row.getBytes(1), key);
        return rows.isEmpty() ? null : rows.get(0);
    }

    @Override
    public void complete(Claim claim, byte[] response) {
        jdbc.update(update, response, RETENTION.toMillis(), claim.key());
    }

    @Override
    public void close() {
        jdbc.execute("DROP TABLE IF EXISTS " + table);
    }
}
