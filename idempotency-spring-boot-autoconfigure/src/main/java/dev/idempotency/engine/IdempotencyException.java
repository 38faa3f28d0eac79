package dev.idempotency.engine;

/**
 * A request the engine refuses to run. Subclasses name the outcome, so that callers can answer
 * each differently; none carries the client's key.
 */
public abstract class IdempotencyException extends RuntimeException {

    /**
     * Creates the exception.
     *
     * @param message what was refused and why, without the client's key
     */
    protected IdempotencyException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the failure that led to it.
     *
     * @param message what was refused and why, without the client's key
     * @param cause the failure that led to it
     */
    protected IdempotencyException(String message, Throwable cause) {
        super(message, cause);
    }
}
