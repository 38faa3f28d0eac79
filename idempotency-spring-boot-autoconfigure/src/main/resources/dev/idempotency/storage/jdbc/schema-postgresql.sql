-- The JDBC idempotency storage's table on PostgreSQL 9.5 or later. Safe to run again.
-- committed: the row is the mark of an application transaction that committed its claim's work
-- (in_progress is then false), which the claim may still complete with its result.
-- expires_at must be TIMESTAMP WITH TIME ZONE: the storage compares it with clock_timestamp().
CREATE TABLE IF NOT EXISTS idempotency_entry (
    storage_key VARCHAR(255) NOT NULL PRIMARY KEY,
    owner_token VARCHAR(64) NOT NULL,
    in_progress BOOLEAN NOT NULL,
    committed BOOLEAN NOT NULL DEFAULT FALSE,
    entry_value BYTEA NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS idempotency_entry_expires_at ON idempotency_entry (expires_at);
