package dev.idempotency.engine;

/**
 * The key was already used for a request with a different payload. Over HTTP: 422. The client
 * must use a new key for a new request.
 */
public class IdempotencyKeyReusedException extends IdempotencyException {

    /** Creates the exception; its message names no key. */
    public IdempotencyKeyReusedException() {
        super("This idempotency key was already used for a request with a different payload");
    }
}
