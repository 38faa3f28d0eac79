package dev.idempotency.engine;

/** What happens to a request when the storage cannot answer its claim. */
public enum FailureMode {

    /** The work does not run; the caller gets {@link dev.idempotency.storage.IdempotencyStorageException} (HTTP 503). */
    FAIL_CLOSED,

    /** The work runs without protection; a warning is logged and {@link IdempotencyListener#failedOpen} told. */
    FAIL_OPEN
}
