package dev.idempotency.engine;

/**
 * A request the engine refuses to run. Subclasses name the outcome, so that callers can answer
 * each differently; none carries the client's key.
 */
public abstract class IdempotencyException extends RuntimeException {

    protected IdempotencyException(String message) {
        super(message);
    }

    protected IdempotencyException(String message, Throwable cause) {
        super(message, cause);
    }
}
