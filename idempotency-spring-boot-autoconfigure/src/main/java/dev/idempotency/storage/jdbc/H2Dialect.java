package dev.idempotency.storage.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Set;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionOperations;

/**
 * H2 2.x, for an application's own tests.
 *
 * <p><b>Clock.</b> {@code CURRENT_TIMESTAMP}, which H2 fixes at the start of the transaction (as
 * PostgreSQL's {@code now()}). Each statement of this storage runs in a transaction of its own, so
 * there it is the statement's time; a statement run late in a long transaction of the
 * application's would judge expiry by the transaction's start. H2 has no per-statement clock, so
 * the confirmation of a claim inside an application's transaction
 * ({@link JdbcIdempotencyStorage#confirmBeforeCommit}) judges its lease, and starts its retention,
 * at that transaction's start.
 *
 * <p><b>Claim.</b> One {@code MERGE} read through H2's {@code FINAL TABLE}, which answers the row as
 * the statement left it: when matched, every column keeps its stored value unless the row had
 * expired. A losing claim thus rewrites the row with the values it had. Two claims inserting an
 * absent key at once end in a duplicate key for one of them, which then claims again.
 *
 * <p><b>Cleanup.</b> One {@code DELETE ... FETCH FIRST n ROWS ONLY}: H2 cannot skip locked rows; an
 * embedded database is one application's.
 */
final class H2Dialect extends JdbcDialect {

    private static final String NOW = "CURRENT_TIMESTAMP";

    @Override
    public String name() {
        return "h2";
    }

    @Override
    String now() {
        return NOW;
    }

    @Override
    String nowPlusMicros(String parameter) {
        return "DATEADD(MICROSECOND, :" + parameter + ", " + NOW + ")";
    }

    @Override
    String claim(TableName table) {
        return """
                SELECT owner_token, entry_value FROM FINAL TABLE (
                    MERGE INTO %s AS entry
                    USING (VALUES (CAST(:key AS VARCHAR(255)), CAST(:owner AS VARCHAR(64)), CAST(:value AS VARBINARY),
                                   DATEADD(MICROSECOND, :lease, CURRENT_TIMESTAMP)))
                        AS claim (storage_key, owner_token, entry_value, expires_at)
                    ON entry.storage_key = claim.storage_key
                    WHEN MATCHED THEN UPDATE SET
                        owner_token = CASE WHEN entry.expires_at <= CURRENT_TIMESTAMP THEN claim.owner_token
                            ELSE entry.owner_token END,
                        in_progress = CASE WHEN entry.expires_at <= CURRENT_TIMESTAMP THEN TRUE
                            ELSE entry.in_progress END,
                        entry_value = CASE WHEN entry.expires_at <= CURRENT_TIMESTAMP THEN claim.entry_value
                            ELSE entry.entry_value END,
                        expires_at = CASE WHEN entry.expires_at <= CURRENT_TIMESTAMP THEN claim.expires_at
                            ELSE entry.expires_at END
                    WHEN NOT MATCHED THEN INSERT (storage_key, owner_token, in_progress, entry_value, expires_at)
                        VALUES (claim.storage_key, claim.owner_token, TRUE, claim.entry_value, claim.expires_at))
                """.formatted(table);
    }

    @Override
    int deleteExpired(JdbcTemplate jdbc, TransactionOperations transactions, TableName table, int limit) {
        return jdbc.update("DELETE FROM " + table + " WHERE expires_at <= CURRENT_TIMESTAMP FETCH FIRST ? ROWS ONLY", limit);
    }

    @Override
    Instant expiresAt(ResultSet row, int column) throws SQLException {
        return row.getObject(column, OffsetDateTime.class).toInstant();
    }

    @Override
    Set<String> expiresAtTypes() {
        return Set.of("TIMESTAMP WITH TIME ZONE");
    }
}
