package dev.idempotency.engine;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * A key this caller has claimed: the work may run. End the claim exactly once, with
 * {@link #complete} when the result is to be kept or {@link #release} when the key should be
 * claimable again. A claim that is never ended stays in progress until its lease ends.
 */
public final class OwnedKey implements ClaimOutcome {

    private static final Logger logger = LoggerFactory.getLogger(OwnedKey.class);

    private final IdempotencyStorage storage;
    private final String storageKey;
    private final OwnerToken token;
    private final RequestFingerprint fingerprint;
    private final Duration retention;

    OwnedKey(IdempotencyStorage storage, String storageKey, OwnerToken token,
            RequestFingerprint fingerprint, Duration retention) {
        this.storage = storage;
        this.storageKey = storageKey;
        this.token = token;
        this.fingerprint = fingerprint;
        this.retention = retention;
    }

    /**
     * Stores {@code result} as the completed answer under this key for the retention. Never
     * throws: the work has run and its result must still reach the caller. When the storage
     * cannot answer, the failure is logged and the key stays in progress until its lease ends,
     * so a retry meanwhile gets a conflict rather than a second execution.
     *
     * @return {@code true} when stored; {@code false} when the claim was lost (its lease ended
     *     and another request took the key over) or the storage failed
     */
    public boolean complete(byte[] result) {
        try {
            boolean completed = storage.complete(storageKey, token,
                    StoredState.success(fingerprint, result).encode(), retention);
            if (!completed) {
                logger.warn("Idempotency key {} was lost before its result could be stored: the lease ended "
                        + "while the work ran; raise idempotency.lease above the slowest handler", logId());
            }
            return completed;
        }
        catch (IdempotencyStorageException ex) {
            logger.error("Could not store the result for idempotency key {}; the key stays in progress "
                    + "until its lease ends", logId(), ex);
            return false;
        }
    }

    /**
     * Deletes the in-progress entry so that a retry can claim the key and run again.
     *
     * @return {@code false} when the claim was already lost
     * @throws IdempotencyStorageException when the storage cannot answer
     */
    public boolean release() {
        return storage.release(storageKey, token);
    }

    /**
     * Releases the key after the work failed with {@code failure}; a storage error while doing so
     * is added to {@code failure} as suppressed, so the work's own error stays the one reported.
     */
    public void releaseAfter(Throwable failure) {
        try {
            release();
        }
        catch (RuntimeException ex) {
            failure.addSuppressed(ex);
        }
    }

    /** A short, non-reversible label of the key for logs: never the client's key itself. */
    public String logId() {
        return IdempotencyKeeper.logId(storageKey);
    }
}
