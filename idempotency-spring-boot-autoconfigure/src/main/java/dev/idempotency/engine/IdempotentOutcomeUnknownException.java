package dev.idempotency.engine;

/**
 * The first request with this key started but never finished, and the key is never taken over
 * ({@link Takeover#NEVER}): whether its work had its effect is unknown, so it does not run again
 * until an operator evicts the key. Over HTTP: 409 without {@code Retry-After}.
 */
public class IdempotentOutcomeUnknownException extends IdempotencyException {

    /** Creates the exception; its message names no key. */
    public IdempotentOutcomeUnknownException() {
        super("The first request with this idempotency key started but never finished; it is not taken over, "
                + "so an operator must decide whether to evict the key and let it run again");
    }
}
