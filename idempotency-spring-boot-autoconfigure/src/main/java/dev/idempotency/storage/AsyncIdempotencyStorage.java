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

    /**
     * {@link IdempotencyStorage#attemptLock}, asynchronously.
     *
     * @param key the storage key
     * @param value the in-progress bytes to store when the claim wins
     * @param lease how long the claim holds the key
     * @return a stage completing with the claim's result
     */
    CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease);

    /**
     * {@link IdempotencyStorage#complete}, asynchronously.
     *
     * @param key the storage key
     * @param token the owner token of the claim
     * @param value the completed bytes
     * @param retention how long the completed entry is kept
     * @return a stage completing with what the blocking form returns
     */
    CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention);

    /**
     * {@link IdempotencyStorage#release}, asynchronously.
     *
     * @param key the storage key
     * @param token the owner token of the claim
     * @return a stage completing with what the blocking form returns
     */
    CompletionStage<Boolean> release(String key, OwnerToken token);

    /**
     * {@link IdempotencyStorage#extend}, asynchronously.
     *
     * @param key the storage key
     * @param token the owner token of the claim
     * @param lease the new lease, from now
     * @return a stage completing with what the blocking form returns
     */
    CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease);
}
