package dev.idempotency.storage.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionOperations;

/**
 * MariaDB 10.6 or later, through MariaDB's own driver.
 *
 * <p><b>Clock.</b> {@code UTC_TIMESTAMP(6)}, which MariaDB evaluates once per statement at its
 * start (unlike PostgreSQL's {@code now()}, not at the start of the transaction), in UTC whatever
 * the session's time zone; so {@code expires_at} is a {@code DATETIME(6)} holding UTC. A
 * {@code TIMESTAMP} column would convert through each session's time zone, and two instances in
 * different zones would disagree on expiry, so the schema check refuses one.
 *
 * <p><b>Claim.</b> One {@code INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING}: every assignment
 * keeps the stored value unless the row had expired (the assignment to {@code expires_at} comes
 * last, since MariaDB evaluates them in order and later ones see earlier results), and
 * {@code RETURNING} answers the row as the statement left it, so a losing claim gets the stored
 * bytes in the same round trip. The price: InnoDB locks the existing row for the statement even
 * when nothing changes, so a replay waits while another statement writes that row (a completion, a
 * cleaner's batch), and the answer of a winning claim carries back the bytes it wrote. MySQL has no
 * {@code RETURNING}, which is why it is not supported.
 *
 * <p><b>Cleanup.</b> A {@code READ COMMITTED} transaction (no gap locks, so inserts of new keys
 * never wait for it) that selects a batch of expired keys {@code FOR UPDATE SKIP LOCKED} and deletes
 * them one by one by primary key: a {@code DELETE} cannot skip locked rows itself.
 *
 * <p><b>Schema.</b> Keys are compared byte for byte: with a case-insensitive collation, two keys
 * that differ only in case would be one entry and one client could be answered another's
 * response, so the schema check refuses a {@code storage_key} whose collation is not binary.
 */
final class MariaDbDialect extends JdbcDialect {

    private static final String NOW = "UTC_TIMESTAMP(6)";

    @Override
    public String name() {
        return "mariadb";
    }

    /** InnoDB's UPDATE reads the newest committed row (a locking read) whatever the isolation. */
    @Override
    boolean seesLatestRowsAt(Integer isolation) {
        return true;
    }

    @Override
    String now() {
        return NOW;
    }

    @Override
    String nowPlusMicros(String parameter) {
        return NOW + " + INTERVAL :" + parameter + " MICROSECOND";
    }

    @Override
    String claim(TableName table) {
        return """
                INSERT INTO %s (storage_key, owner_token, in_progress, entry_value, expires_at)
                VALUES (:key, :owner, TRUE, :value, UTC_TIMESTAMP(6) + INTERVAL :lease MICROSECOND)
                ON DUPLICATE KEY UPDATE
                    owner_token = IF(expires_at <= UTC_TIMESTAMP(6), VALUES(owner_token), owner_token),
                    in_progress = IF(expires_at <= UTC_TIMESTAMP(6), TRUE, in_progress),
                    entry_value = IF(expires_at <= UTC_TIMESTAMP(6), VALUES(entry_value), entry_value),
                    expires_at = IF(expires_at <= UTC_TIMESTAMP(6), VALUES(expires_at), expires_at)
                RETURNING owner_token, entry_value
                """.formatted(table);
    }

    @Override
    int deleteExpired(JdbcTemplate jdbc, TransactionOperations transactions, TableName table, int limit) {
        Integer deleted = transactions.execute(status -> {
            // owner_token is not in the expires_at index, so InnoDB reads, and locks or skips, the row
            // itself: a claim or completion holds the row's lock, not the index entry's.
            List<String> keys = jdbc.query("SELECT storage_key, owner_token FROM " + table
                    + " WHERE expires_at <= UTC_TIMESTAMP(6) LIMIT ? FOR UPDATE SKIP LOCKED",
                    (row, number) -> row.getString(1), limit);
            // One primary key lookup per row: a DELETE with the keys in a list may be planned as a
            // scan, which waits for every locked row on its way.
            int[][] counts = jdbc.batchUpdate("DELETE FROM " + table + " WHERE storage_key = ?", keys, keys.size(),
                    (statement, key) -> statement.setString(1, key));
            return Arrays.stream(counts).flatMapToInt(Arrays::stream).sum();
        });
        return deleted == null ? 0 : deleted;
    }

    @Override
    Instant expiresAt(ResultSet row, int column) throws SQLException {
        return row.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC);
    }

    @Override
    Set<String> expiresAtTypes() {
        return Set.of("DATETIME");
    }

    @Override
    List<String> schemaProblems(JdbcClient client, TableName table) {
        List<String> problems = new ArrayList<>();
        for (String column : List.of("storage_key", "owner_token")) {
            String collation = client.sql("""
                    SELECT COLLATION_NAME FROM information_schema.COLUMNS
                    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table AND COLUMN_NAME = :column
                    """)
                    .param("table", table.value())
                    .param("column", column)
                    .query(String.class)
                    .optional()
                    .orElse(null);
            if (collation != null && !collation.endsWith("_bin")) {
                problems.add(column + " has the case-insensitive collation " + collation + " (needs a binary one, "
                        + "such as ascii_bin)");
            }
        }
        return problems;
    }
}
