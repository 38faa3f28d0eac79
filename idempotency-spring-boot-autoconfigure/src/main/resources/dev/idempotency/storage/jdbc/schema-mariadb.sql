-- The JDBC idempotency storage's table on MariaDB 10.6 or later. Safe to run again.
-- committed: the row is the mark of an application transaction that committed its claim's work
-- (in_progress is then false), which the claim may still complete with its result.
-- Keys are compared byte for byte (ascii_bin): keys differing only in case are different keys.
-- expires_at is a DATETIME in UTC: the storage compares it with UTC_TIMESTAMP(6).
CREATE TABLE IF NOT EXISTS idempotency_entry (
    storage_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner_token VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    in_progress BOOLEAN NOT NULL,
    committed BOOLEAN NOT NULL DEFAULT FALSE,
    entry_value LONGBLOB NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (storage_key),
    INDEX idempotency_entry_expires_at (expires_at)
) ENGINE = InnoDB;
