package dev.idempotency.storage.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Set;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionOperations;

/**
 * PostgreSQL 9.5 or later.
 *
 * <p><b>Clock.</b> {@code clock_timestamp()}, the time at which it is evaluated. Not {@code now()}
 * or {@code CURRENT_TIMESTAMP}: those are the start of the transaction, which is long past in a
 * statement that runs late in an application's transaction.
 *
 * <p><b>Claim.</b> One statement whether it wins or loses: a data-modifying CTE that first reads
 * the live row and answers its bytes when there is one (the insert and the takeover then have
 * nothing to do, so a replay costs one index look-up, as a {@code SELECT} does); else inserts with
 * {@code ON CONFLICT DO NOTHING} (which neither writes nor locks a row that exists), else takes
 * over an expired row with an {@code UPDATE} whose condition PostgreSQL checks again on the newest
 * version of the row once it holds its lock (so of two claimers racing for one expired row, one
 * wins). The statement sees the rows committed when it began, so when a concurrent claim committed
 * the key in between, it answers no row and runs again: that happens only to duplicates racing
 * each other, never to a replay; and a claim racing the release of a key answers the claim it saw,
 * as any claim that reached the key a moment earlier would.
 *
 * <p><b>Cleanup.</b> One {@code DELETE} of the rows that a sub-select picked
 * {@code FOR UPDATE SKIP LOCKED}: cleaners skip the rows another cleaner or a claim holds.
 */
final class PostgreSqlDialect extends JdbcDialect {

    private static final String NOW = "clock_timestamp()";

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    String now() {
        return NOW;
    }

    @Override
    String nowPlusMicros(String parameter) {
        return NOW + " + CAST(:" + parameter + " AS BIGINT) * INTERVAL '1 microsecond'";
    }

    @Override
    String claim(TableName table) {
        // Each parameter is bound once, in "claim", and the clock read once, so every part of the
        // statement agrees on what "now" is.
        return """
                WITH claim AS (
                    SELECT CAST(:key AS VARCHAR) AS storage_key, CAST(:owner AS VARCHAR) AS owner_token,
                           CAST(:value AS BYTEA) AS entry_value, clock.now,
                           clock.now + CAST(:lease AS BIGINT) * INTERVAL '1 microsecond' AS expires_at
                    FROM (SELECT clock_timestamp() AS now) AS clock
                ), live AS (
                    SELECT entry.owner_token, entry.entry_value FROM %1$s AS entry, claim
                    WHERE entry.storage_key = claim.storage_key AND entry.expires_at > claim.now
                ), inserted AS (
                    INSERT INTO %1$s (storage_key, owner_token, in_progress, entry_value, expires_at)
                    SELECT storage_key, owner_token, TRUE, entry_value, expires_at FROM claim
                    WHERE NOT EXISTS (SELECT 1 FROM live)
                    ON CONFLICT (storage_key) DO NOTHING
                    RETURNING owner_token
                ), taken_over AS (
                    UPDATE %1$s AS entry
                    SET owner_token = claim.owner_token, in_progress = TRUE, entry_value = claim.entry_value,
                        expires_at = claim.expires_at
                    FROM claim
                    WHERE entry.storage_key = claim.storage_key AND entry.expires_at <= claim.now
                      AND NOT EXISTS (SELECT 1 FROM live) AND NOT EXISTS (SELECT 1 FROM inserted)
                    RETURNING entry.owner_token
                )
                SELECT owner_token, CAST(NULL AS BYTEA) AS entry_value FROM inserted
                UNION ALL
                SELECT owner_token, NULL FROM taken_over
                UNION ALL
                SELECT owner_token, entry_value FROM live
                """.formatted(table);
    }

    @Override
    int deleteExpired(JdbcTemplate jdbc, TransactionOperations transactions, TableName table, int limit) {
        return jdbc.update("""
                DELETE FROM %1$s WHERE storage_key IN (
                    SELECT storage_key FROM %1$s WHERE expires_at <= clock_timestamp()
                    LIMIT ? FOR UPDATE SKIP LOCKED)
                """.formatted(table), limit);
    }

    @Override
    Instant expiresAt(ResultSet row, int column) throws SQLException {
        return row.getObject(column, OffsetDateTime.class).toInstant();
    }

    @Override
    Set<String> expiresAtTypes() {
        return Set.of("TIMESTAMPTZ");
    }
}
