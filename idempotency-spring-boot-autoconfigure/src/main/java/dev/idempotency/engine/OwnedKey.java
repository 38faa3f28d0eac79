package dev.idempotency.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * A key this caller has claimed: the work may run. Its lease is renewed in the background until
 * the claim ends. End the claim exactly once, with {@link #complete} when the result is to be
 * kept, {@link #release} when the key should be claimable again, or {@code completeNotReplayable}
 * when the work ran but its result cannot be kept. A claim never ended (the
 * process died) stays in progress until its lease ends, then another request may take it over.
 */
public final class OwnedKey implements ClaimOutcome {

    private static final Logger logger = LoggerFactory.getLogger(OwnedKey.class);

    private final IdempotencyStorage storage;
    private final String storageKey;
    private final OwnerToken token;
    private final StartMark startMark;
    private final RequestFingerprint fingerprint;
    private final Instant claimedAt;
    private final Duration retention;
    private final Duration lease;
    private final LeaseScheduler scheduler;
    private final IdempotencyListener listener;
    private final LeaseScheduler.Renewal renewal;
    private final IdempotencyListener.Execution execution;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean lost = new AtomicBoolean();

    /** @param startMark the mark of this start under {@link Takeover#NEVER}; {@code null} otherwise */
    OwnedKey(IdempotencyStorage storage, String storageKey, OwnerToken token, StartMark startMark,
            RequestFingerprint fingerprint, Instant claimedAt, Duration retention, Duration lease, LeaseScheduler scheduler,
            IdempotencyListener listener, IdempotencyListener.Execution execution) {
        this.storage = storage;
        this.storageKey = storageKey;
        this.token = token;
        this.startMark = startMark;
        this.fingerprint = fingerprint;
        this.claimedAt = claimedAt;
        this.retention = retention;
        this.lease = lease;
        this.scheduler = scheduler;
        this.listener = listener;
        this.execution = execution;
        this.renewal = scheduler.renew(storage, storageKey, token, lease, this::leaseLost);
    }

    /**
     * Stores {@code result} as the completed answer under this key for the retention. Never
     * throws and never blocks on a failing storage: the work has run and its result must still
     * reach the caller. When the storage fails, storing is retried in the background with back-off
     * for up to one lease, the lease renewed meanwhile, so a retry gets a conflict rather than a
     * second execution; if it still fails, the key stays in progress until its lease ends.
     *
     * @return {@code true} when stored now; {@code false} when the claim was lost (its lease
     *     ended and another request took the key over) or storing goes on in the background
     */
    public boolean complete(byte[] result) {
        return store(StoredState.success(fingerprint, claimedAt, result).encode());
    }

    /**
     * As {@link #complete(byte[])}, with the result writing itself straight into the entry
     * stored, so that a large result is copied once.
     */
    public boolean complete(ResultWriter result) {
        return store(StoredState.encodeSuccess(fingerprint, claimedAt, result));
    }

    /**
     * Ends the claim as run with no result to replay, for the retention: a retry is refused with
     * {@link IdempotentResultNotReplayableException} and the work never runs again under this key.
     * Stored like {@link #complete(byte[])}, with its retries in the background and its renewal
     * stopped whichever way it ends.
     */
    boolean completeNotReplayable() {
        return store(StoredState.notReplayable(fingerprint, claimedAt).encode());
    }

    private boolean store(byte[] completed) {
        try {
            boolean stored = renewal.exclusively(() -> storage.complete(storageKey, token, completed, retention));
            if (stored) {
                finish(Outcome.EXECUTED);
            }
            else {
                renewal.stop();
                leaseLost();
            }
            return stored;
        }
        catch (IdempotencyStorageException ex) {
            logger.warn("Could not store the result for idempotency key {}; retrying in the background: {}",
                    logId(), ex.getMessage());
            scheduler.retry(() -> retryComplete(completed), lease, this::abandonCompletion);
            return false;
        }
    }

    private boolean retryComplete(byte[] completed) {
        try {
            if (renewal.exclusively(() -> storage.complete(storageKey, token, completed, retention))) {
                logger.info("Stored the result for idempotency key {} after retrying", logId());
                finish(Outcome.EXECUTED);
                return true;
            }
            renewal.stop();
            leaseLost();
            return true;
        }
        catch (IdempotencyStorageException ex) {
            return false;
        }
    }

    private void abandonCompletion() {
        renewal.stop();
        logger.error("Gave up storing the result for idempotency key {}: the storage kept failing; the key stays in "
                + "progress until its lease ends", logId());
        listener.completionAbandoned(logId());
        finish(Outcome.STORAGE_ERROR);
    }

    /** Reports the loss once, whether the renewal or the completion found it first. */
    private void leaseLost() {
        if (!lost.compareAndSet(false, true)) {
            return;
        }
        logger.warn("Idempotency key {} was lost while its work ran: another request took it over, so this result "
                + "is not stored; raise idempotency.lease or check the storage's clock and availability", logId());
        listener.leaseLost(logId());
        finish(Outcome.LOCK_LOST);
    }

    /** Tells the listener how this request ended, once, whichever path ends it first. */
    private void finish(Outcome outcome) {
        if (finished.compareAndSet(false, true)) {
            execution.finished(outcome);
        }
    }

    /**
     * Deletes the in-progress entry so that a retry can claim the key and run again. Under
     * {@link Takeover#NEVER} the start mark goes first: a mark the storage failed to delete makes
     * retries refused as abandoned until an operator evicts the key, never run twice.
     *
     * @return {@code false} when the claim was already lost
     * @throws IdempotencyStorageException when the storage cannot answer; the key then stays in
     *     progress until its lease ends
     */
    public boolean release() {
        renewal.stop();
        finish(Outcome.EXECUTED);
        if (startMark != null) {
            try {
                storage.release(startMark.key(), startMark.token());
            }
            catch (IdempotencyStorageException ex) {
                logger.warn("Could not remove the start mark of idempotency key {}; retries are refused until an "
                        + "operator evicts the key: {}", logId(), ex.getMessage());
            }
        }
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
