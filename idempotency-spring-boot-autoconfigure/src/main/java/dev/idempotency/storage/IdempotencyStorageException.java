package dev.idempotency.storage;

/**
 * The storage could not answer: unreachable, timed out, full or refusing. Whether the operation
 * took effect is unknown. Over HTTP this becomes a 503 that asks the client to retry later.
 */
public class IdempotencyStorageException extends RuntimeException {

    public IdempotencyStorageException(String message) {
        super(message);
    }

    public IdempotencyStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
