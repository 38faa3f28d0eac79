package dev.idempotency.engine;

/**
 * The answer of {@link IdempotencyKeeper#claim}: either the caller now owns the key and must run
 * the work, or the key was completed before and its stored result is to be replayed.
 */
public sealed interface ClaimOutcome permits OwnedKey, ClaimOutcome.Replay {

    /** The key was completed by an earlier request with the same fingerprint. */
    record Replay(byte[] result) implements ClaimOutcome {
    }
}
