package dev.idempotency.engine;

/**
 * The first request with this key is still running. Over HTTP: 409 with {@code Retry-After}.
 * The client should retry later with the same key to get the result.
 */
public class IdempotentRequestInProgressException extends IdempotencyException {

    /** Creates the exception; its message names no key. */
    public IdempotentRequestInProgressException() {
        super("A request with this idempotency key is still being processed");
    }
}
