package dev.idempotency.storage;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The claim protocol of an {@link IdempotencyStorage}, answered without blocking the calling
 * thread: for a caller on an event loop (WebFlux). Each method keeps the contract of its
 * blocking namesake in {@link IdempotencyStorage}, its atomicity and its repeats included, and
 * the two forms may be mixed on one key: an entry claimed through one is completed, released or
 * renewed through the other.
 *
 * <p>A storage with a non-blocking client answers natively; any other runs its blocking calls on
 * a bounded executor ({@link IdempotencyStorage#async}). A stage never completes on the calling
 * thread's behalf by blocking it. When the store cannot answer, the stage completes exceptionally
 * with an {@link IdempotencyStorageException}; the operation then may or may not have taken
 * effect, as with the blocking form.
 */
public interface AsyncIdempotencyStorage {

    /** {@link IdempotencyStorage#attemptLock}, asynchronously. */
    CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease);

    /** {@link IdempotencyStorage#complete}, asynchronously. */
    CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention);

    /** {@link IdempotencyStorage#release}, asynchronously. */
    CompletionStage<Boolean> release(String key, OwnerToken token);

    /** {@link IdempotencyStorage#extend}, asynchronously. */
    CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease);
}
