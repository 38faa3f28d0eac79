-- The JDBC idempotency storage's table on H2 2.x. Safe to run again.
-- committed: the row is the mark of an application transaction that committed its claim's work
-- (in_progress is then false), which the claim may still complete with its result.
CREATE TABLE IF NOT EXISTS idempotency_entry (
    storage_key VARCHAR(255) NOT NULL PRIMARY KEY,
    owner_token VARCHAR(64) NOT NULL,
    in_progress BOOLEAN NOT NULL,
    committed BOOLEAN NOT NULL DEFAULT FALSE,
    entry_value VARBINARY NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS idempotency_entry_expires_at ON idempotency_entry (expires_at);
