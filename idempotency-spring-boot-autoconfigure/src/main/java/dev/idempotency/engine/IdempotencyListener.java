package dev.idempotency.engine;

/**
 * Told of the events an operator must be able to count: a claim lost while its work ran, a
 * request run unprotected because the storage failed, a result that could not be stored. Each
 * method gets a short, non-reversible label of the key, never the key. Implementations must be
 * fast and must not throw.
 */
public interface IdempotencyListener {

    /** Listens to nothing. */
    IdempotencyListener NONE = new IdempotencyListener() {
    };

    /** A lease renewal found the key owned by someone else: the work's result will not be stored. */
    default void leaseLost(String keyLabel) {
    }

    /** The storage failed and {@link FailureMode#FAIL_OPEN} let the work run without protection. */
    default void failedOpen(String keyLabel) {
    }

    /** Storing a result kept failing until the retry window ended; the key stays held until its lease ends. */
    default void completionAbandoned(String keyLabel) {
    }
}
