package dev.idempotency.engine;

/**
 * The answer of {@link IdempotencyKeeper#claim}: the caller now owns the key and must run the
 * work; or the key was completed before and its stored result is to be replayed; or the storage
 * failed and {@link FailureMode#FAIL_OPEN} lets the work run without protection.
 */
public sealed interface ClaimOutcome permits OwnedKey, ClaimOutcome.Replay, ClaimOutcome.Unprotected {

    /** The key was completed by an earlier request with the same fingerprint. */
    record Replay(byte[] result) implements ClaimOutcome {
    }

    /** The storage failed; the work runs without a claim and its result is not stored. */
    record Unprotected() implements ClaimOutcome {
    }
}
