package dev.idempotency.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * A key this caller has claimed: the work may run. Its lease is renewed in the background until
 * the claim ends. End the claim exactly once, with {@link #complete} when the result is to be
 * kept, {@link #release} when the key should be claimable again, or {@code completeNotReplayable}
 * when the work ran but its result cannot be kept. A claim never ended (the
 * process died) stays in progress until its lease ends, then another request may take it over.
 *
 * <p>While its work runs on a thread ({@link #runAsCurrent}), the claim fences the application's
 * transactions that begin there (see {@link IdempotencyKeeper#transactionBegan()}): each is
 * confirmed just before it commits. Once one committed, the work has had its effect: where the
 * storage joined that transaction its committed mark keeps the key from being run again, and
 * elsewhere this claim ends as run, not released, if the work then fails.
 */
public final class OwnedKey implements ClaimOutcome {

    private static final Logger logger = LoggerFactory.getLogger(OwnedKey.class);

    private final IdempotencyStorage storage;
    private final AsyncIdempotencyStorage asyncStorage;
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
    private final TransactionFencing fencing;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean lost = new AtomicBoolean();
    /** A fenced transaction of the work committed (or may have) in a storage that holds no mark of it. */
    private volatile boolean committedOutsideStorage;

    /** @param startMark the mark of this start under {@link Takeover#NEVER}; {@code null} otherwise */
    OwnedKey(IdempotencyStorage storage, AsyncIdempotencyStorage asyncStorage, String storageKey, OwnerToken token, StartMark startMark,
            RequestFingerprint fingerprint, Instant claimedAt, Duration retention, Duration lease, LeaseScheduler scheduler,
            IdempotencyListener listener, IdempotencyListener.Execution execution, TransactionFencing fencing) {
        this.storage = storage;
        this.asyncStorage = asyncStorage;
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
        this.fencing = fencing;
        this.renewal = scheduler.renew(storage, storageKey, token, lease, () -> leaseLost("this result is not stored"));
    }

    /**
     * Runs {@code work} on the calling thread as this claim's work, returning what it returns or
     * throwing what it throws: a transaction that begins on this thread meanwhile is fenced (see
     * {@link IdempotencyKeeper#transactionBegan()}). Work that {@code work} hands to another
     * thread is not.
     *
     * @param <T> the work's result type
     * @param <E> what the work may throw
     * @param work the work this claim protects
     * @return what {@code work} returns
     * @throws E what {@code work} throws
     */
    public <T, E extends Throwable> T runAsCurrent(IdempotentWork<T, E> work) throws E {
        return fencing.runAs(this, work);
    }

    /**
     * Stores {@code result} as the completed answer under this key for the retention. Never
     * throws and never blocks on a failing storage: the work has run and its result must still
     * reach the caller. When the storage fails, storing is retried in the background with back-off
     * for up to one lease, the lease renewed meanwhile, so a retry gets a conflict rather than a
     * second execution; if it still fails, the key stays in progress until its lease ends.
     *
     * @param result the encoded result, replayed as is to every retry
     * @return {@code true} when stored now; {@code false} when the claim was lost (its lease
     *     ended and another request took the key over) or storing goes on in the background
     */
    public boolean complete(byte[] result) {
        return store(StoredState.success(fingerprint, claimedAt, result).encode());
    }

    /**
     * As {@link #complete(byte[])}, with the result writing itself straight into the entry
     * stored, so that a large result is copied once.
     *
     * @param result the result, written once into the stored entry
     * @return {@code true} when stored now; {@code false} when the claim was lost or storing goes
     *     on in the background
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

    /**
     * As {@link #complete(ResultWriter)}, without blocking the calling thread (an event loop): the
     * storage is called in its asynchronous form ({@link IdempotencyStorage#async}). A renewal in
     * flight is not waited for; see the storage's {@link IdempotencyStorage#extend} for why it
     * cannot undo the completion. Storing retried in the background runs on the engine's threads.
     *
     * @param result the result, written straight into the stored entry
     * @return a stage completing with what {@link #complete(ResultWriter)} returns
     */
    public CompletionStage<Boolean> completeAsync(ResultWriter result) {
        return storeAsync(StoredState.encodeSuccess(fingerprint, claimedAt, result));
    }

    /**
     * As {@link #complete(byte[])}, without blocking the calling thread: see {@link #completeAsync(ResultWriter)}.
     *
     * @param result the result's bytes
     * @return a stage completing with what {@link #complete(byte[])} returns
     */
    public CompletionStage<Boolean> completeAsync(byte[] result) {
        return storeAsync(StoredState.success(fingerprint, claimedAt, result).encode());
    }

    private boolean store(byte[] completed) {
        try {
            return stored(renewal.exclusively(() -> storage.complete(storageKey, token, completed, retention)));
        }
        catch (IdempotencyStorageException ex) {
            retryInBackground(completed, ex);
            return false;
        }
    }

    private CompletionStage<Boolean> storeAsync(byte[] completed) {
        return asyncStorage.complete(storageKey, token, completed, retention).handle((stored, failure) -> {
            if (failure == null) {
                if (stored) {
                    renewal.stopNow();
                }
                return stored(stored);
            }
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            if (cause instanceof IdempotencyStorageException ex) {
                retryInBackground(completed, ex);
                return false;
            }
            throw failure instanceof CompletionException completion ? completion : new CompletionException(cause);
        });
    }

    /** What the storage's answer to a completion means; a refused one lost the key. */
    private boolean stored(boolean stored) {
        if (stored) {
            finish(Outcome.EXECUTED);
        }
        else {
            renewal.stopNow();
            leaseLost("this result is not stored");
        }
        return stored;
    }

    private void retryInBackground(byte[] completed, IdempotencyStorageException ex) {
        logger.warn("Could not store the result for idempotency key {}; retrying in the background: {}",
                logId(), ex.getMessage());
        scheduler.retry(() -> retryComplete(completed), lease, this::abandonCompletion);
    }

    private boolean retryComplete(byte[] completed) {
        try {
            if (renewal.exclusively(() -> storage.complete(storageKey, token, completed, retention))) {
                logger.info("Stored the result for idempotency key {} after retrying", logId());
                finish(Outcome.EXECUTED);
                return true;
            }
            renewal.stop();
            leaseLost("this result is not stored");
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

    /** Reports the loss once, whether the renewal, the completion or a transaction's commit found it first. */
    private void leaseLost(String consequence) {
        if (!lost.compareAndSet(false, true)) {
            return;
        }
        logger.warn("Idempotency key {} was lost while its work ran: another request took it over, so {}; raise "
                + "idempotency.lease or check the storage's clock and availability", logId(), consequence);
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
     * <p>Once a fenced transaction of the work has committed, the work has had its effect and must
     * not run again: the storage keeps its committed mark where it joined the transaction, and
     * elsewhere the claim is ended as run without a result to replay instead
     * ({@link IdempotentResultNotReplayableException} for every retry).
     *
     * @return {@code false} when the claim was already lost, or its work committed
     * @throws IdempotencyStorageException when the storage cannot answer; the key then stays in
     *     progress until its lease ends
     */
    public boolean release() {
        if (committedOutsideStorage) {
            completeNotReplayable();
            return false;
        }
        renewal.stop();
        finish(Outcome.EXECUTED);
        if (startMark != null) {
            try {
                storage.release(startMark.key(), startMark.token());
            }
            catch (IdempotencyStorageException ex) {
                startMarkKept(ex);
            }
        }
        return storage.release(storageKey, token);
    }

    /**
     * As {@link #release()}, without blocking the calling thread (an event loop): the stage
     * completes with what {@link #release()} returns, or exceptionally with the
     * {@link IdempotencyStorageException} it would throw.
     *
     * @return a stage completing with what {@link #release()} returns
     */
    public CompletionStage<Boolean> releaseAsync() {
        if (committedOutsideStorage) {
            return storeAsync(StoredState.notReplayable(fingerprint, claimedAt).encode()).thenApply(stored -> false);
        }
        renewal.stopNow();
        finish(Outcome.EXECUTED);
        CompletionStage<Boolean> markReleased = startMark == null ? CompletableFuture.completedFuture(true)
                : asyncStorage.release(startMark.key(), startMark.token()).exceptionally(ex -> {
                    startMarkKept(ex);
                    return false;
                });
        return markReleased.thenCompose(ignored -> asyncStorage.release(storageKey, token));
    }

    private void startMarkKept(Throwable ex) {
        logger.warn("Could not remove the start mark of idempotency key {}; retries are refused until an "
                + "operator evicts the key: {}", logId(), ex.getMessage());
    }

    /**
     * Releases the key after the work failed with {@code failure}; a storage error while doing so
     * is added to {@code failure} as suppressed, so the work's own error stays the one reported.
     *
     * @param failure what the work threw; the caller rethrows it
     */
    public void releaseAfter(Throwable failure) {
        try {
            release();
        }
        catch (RuntimeException ex) {
            failure.addSuppressed(ex);
        }
    }

    /**
     * As {@link #complete(byte[])}, but when the calling thread runs a transaction that the storage
     * joins, the result is written in that transaction as it commits, so that the work's data and
     * its result commit together or not at all: a rollback releases the key, a retry runs again.
     */
    void completeWithCallersTransaction(byte[] result) {
        storeWithCallersTransaction(StoredState.success(fingerprint, claimedAt, result).encode());
    }

    /** As {@link #completeNotReplayable()}, in the calling thread's transaction as {@link #completeWithCallersTransaction} is. */
    void completeNotReplayableWithCallersTransaction() {
        storeWithCallersTransaction(StoredState.notReplayable(fingerprint, claimedAt).encode());
    }

    private void storeWithCallersTransaction(byte[] completed) {
        if (!storage.joinsCurrentTransaction() || !fencing.register(new CompletionAtCommit(completed))) {
            store(completed);
        }
    }

    /** A transaction began on the thread this claim's work runs on: fences it, if the keeper fences such a transaction. */
    void transactionBegan() {
        if (fencing.fences(storage.joinsCurrentTransaction())) {
            fencing.register(new CommitFence());
        }
    }

    /**
     * Confirms the claim just before a transaction commits, writing {@code committedValue} in it
     * where the storage joins it.
     *
     * @throws IdempotencyClaimLostException when another request owns the key: the transaction rolls back
     */
    private void confirmBeforeCommit(byte[] committedValue) {
        if (!storage.confirmBeforeCommit(storageKey, token, committedValue, lease, retention)) {
            renewal.stop();
            leaseLost("its transaction is rolled back");
            throw new IdempotencyClaimLostException();
        }
    }

    /**
     * The fence of one transaction that began while the work ran: confirmed before its commit,
     * with "ran, result not stored yet" as the committed mark. Once a joining storage holds that
     * mark, it lives for the retention and renewing it is over; a transaction committed elsewhere
     * is remembered, so that the claim is never released after it.
     */
    private final class CommitFence implements TransactionCallback {

        private boolean joined;

        @Override
        public void beforeCommit() {
            joined = storage.joinsCurrentTransaction();
            confirmBeforeCommit(StoredState.notReplayable(fingerprint, claimedAt).encode());
        }

        @Override
        public void afterCompletion(Completion completion) {
            if (completion == Completion.ROLLED_BACK) {
                return;
            }
            if (!joined) {
                committedOutsideStorage = true;
            }
            else if (completion == Completion.COMMITTED) {
                renewal.stop();
            }
        }
    }

    /**
     * The completion of a claim whose work returned inside the caller's transaction, which the
     * storage joins: the completed entry is the committed mark, so the commit completes the key and
     * there is nothing left to do; a rollback (or a commit whose outcome is unknown, which the
     * storage's row then tells) releases the key.
     */
    private final class CompletionAtCommit implements TransactionCallback {

        private final byte[] completed;

        private CompletionAtCommit(byte[] completed) {
            this.completed = completed;
        }

        @Override
        public void beforeCommit() {
            confirmBeforeCommit(completed);
        }

        @Override
        public void afterCompletion(Completion completion) {
            if (completion == Completion.COMMITTED) {
                renewal.stop();
                finish(Outcome.EXECUTED);
                return;
            }
            try {
                release();
            }
            catch (IdempotencyStorageException ex) {
                logger.warn("Could not release idempotency key {} after its transaction rolled back; it stays in "
                        + "progress until its lease ends: {}", logId(), ex.getMessage());
            }
        }
    }

    /** {@return a short, non-reversible label of the key for logs: never the client's key itself} */
    public String logId() {
        return IdempotencyKeeper.logId(storageKey);
    }
}
