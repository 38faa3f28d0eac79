package dev.idempotency.engine;

/**
 * What happens to a key whose first request started but never finished: its holder stopped (a
 * crash, a kill, a pause longer than the lease) before it stored a result or released the key.
 */
public enum Takeover {

    /** Whatever the keeper was configured with ({@code idempotency.takeover}). */
    DEFAULT,

    /**
     * Once the holder's lease has ended, a retry takes the key over and runs the work again: the
     * work may then have run twice, once partly.
     */
    AFTER_LEASE,

    /**
     * The key stays blocked: every retry is refused with {@link IdempotentOutcomeUnknownException}
     * until an operator, who alone can tell whether the first run had its effect, evicts the key
     * (a retry then runs again) or leaves it until its retention ends.
     */
    NEVER
}
