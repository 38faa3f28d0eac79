package dev.idempotency.storage.jdbc;

/**
 * The statements of one table on one database. Only the claim differs per database; the others
 * are the same SQL around the dialect's clock. Every owner-only statement names the owner token
 * and an unexpired row in its {@code WHERE} clause, so the database checks ownership in the same
 * step as the write: an in-progress row for a release or a renewal, an in-progress row or a
 * committed mark for a completion or a confirmation.
 */
record JdbcStatements(String claim, String complete, String completedByOwner, String confirm, String release,
        String extend, String completedBy, String delete, String read) {

    static JdbcStatements of(JdbcDialect dialect, TableName table) {
        String now = dialect.now();
        String ownedLive = " WHERE storage_key = :key AND owner_token = :owner AND in_progress = TRUE AND expires_at > "
                + now;
        String ownedOrMarked = " WHERE storage_key = :key AND owner_token = :owner"
                + " AND (in_progress = TRUE OR committed = TRUE) AND expires_at > " + now;
        String retained = dialect.nowPlusMicros("retention");
        return new JdbcStatements(
                dialect.claim(table),
                "UPDATE " + table + " SET in_progress = FALSE, committed = FALSE, entry_value = :value, expires_at = "
                        + retained + ownedOrMarked,
                "SELECT COUNT(*) FROM " + table + " WHERE storage_key = :key AND owner_token = :owner"
                        + " AND in_progress = FALSE AND expires_at > " + now + " AND entry_value = :value",
                "UPDATE " + table + " SET in_progress = FALSE, committed = TRUE, entry_value = :value, expires_at = "
                        + retained + ownedOrMarked,
                "DELETE FROM " + table + ownedLive,
                "UPDATE " + table + " SET expires_at = " + dialect.nowPlusMicros("lease") + ownedLive,
                "SELECT COUNT(*) FROM " + table + " WHERE storage_key = :key AND owner_token = :owner"
                        + " AND in_progress = FALSE AND expires_at > " + now,
                "DELETE FROM " + table + " WHERE storage_key = :key AND expires_at > " + now,
                "SELECT entry_value, in_progress, expires_at FROM " + table + " WHERE storage_key = :key AND expires_at > "
                        + now);
    }
}
