package dev.idempotency.storage;

/**
 * The storage could not answer: unreachable, timed out, full or refusing. Whether the operation
 * took effect is unknown. Over HTTP this becomes a 503 that asks the client to retry later.
 */
public class IdempotencyStorageException extends RuntimeException {

    /**
     * Creates the exception without a cause.
     *
     * @param message what could not be done; it may be logged, so it never holds a raw idempotency key
     */
    public IdempotencyStorageException(String message) {
        super(message);
    }

    /**
     * Creates the exception for a failure the store's client reported.
     *
     * @param message what could not be done; it may be logged, so it never holds a raw idempotency key
     * @param cause the failure that made the store unable to answer
     */
    public IdempotencyStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
