package dev.idempotency.storage;

/** The answer of {@link IdempotencyStorage#attemptLock}: the key was acquired, or it is held. */
public sealed interface ClaimResult permits ClaimResult.Acquired, ClaimResult.Held {

    /** The claim won: the caller owns the key through {@code token} until its lease ends. */
    record Acquired(OwnerToken token) implements ClaimResult {
    }

    /** The key is held by an earlier claim: {@code value} is what that claim stored. */
    record Held(byte[] value) implements ClaimResult {
    }
}
