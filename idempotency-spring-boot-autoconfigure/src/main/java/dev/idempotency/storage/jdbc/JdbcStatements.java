package dev.idempotency.storage.jdbc;

/**
 * The statements of one table on one database. Only the claim differs per database; the others
 * are the same SQL around the dialect's clock. Every owner-only statement names the owner token
 * and an unexpired, in-progress row in its {@code WHERE} clause, so the database checks ownership
 * in the same step as the write.
 */
record JdbcStatements(String claim, String complete, String completedByOwner, String release, String extend,
        String completedBy, String delete, String read) {

    static JdbcStatements of(JdbcDialect dialect, TableName table) {
        String now = dialect.now();
        String ownedLive = " WHERE storage_key = :key AND owner_token = :owner AND in_progress = TRUE AND expires_at > "
                + now;
        return new JdbcStatements(
                dialect.claim(table),
                "UPDATE " + table + " SET in_progress = FALSE, entry_value = :value, expires_at = "
                        + dialect.nowPlusMicros("retention") + ownedLive,
                "SELECT COUNT(*) FROM " + table + " WHERE storage_key = :key AND owner_token = :owner"
                        + " AND in_progress = FALSE AND expires_at > " + now + " AND entry_value = :value",
                "DELETE FROM " + table + ownedLive,
                "UPDATE " + table + " SET expires_at = " + dialect.nowPlusMicros("lease") + ownedLive,
                "SELECT COUNT(*) FROM " + table + " WHERE storage_key = :key AND owner_token = :owner"
                        + " AND in_progress = FALSE AND expires_at > " + now,
                "DELETE FROM " + table + " WHERE storage_key = :key AND expires_at > " + now,
                "SELECT entry_value, in_progress, expires_at FROM " + table + " WHERE storage_key = :key AND expires_at > "
                        + now);
    }
}
