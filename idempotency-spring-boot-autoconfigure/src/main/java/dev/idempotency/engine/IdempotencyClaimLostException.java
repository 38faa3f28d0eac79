package dev.idempotency.engine;

/**
 * The work's transaction was about to commit, but its claim on the key was gone: its lease had
 * ended and another request took the key over (or an operator evicted it). The transaction is
 * rolled back, so the stale holder's writes never commit next to the new owner's. Over HTTP: 409
 * with {@code Retry-After}; a retry with the same key gets the new owner's result.
 */
public class IdempotencyClaimLostException extends IdempotencyException {

    /** Creates the exception; its message names no key. */
    public IdempotencyClaimLostException() {
        super("The claim on this idempotency key was taken over while its work ran (its lease ended), so its "
                + "transaction was rolled back");
    }
}
