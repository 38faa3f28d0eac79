package dev.idempotency.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * The engine: claims a key, lets the work run once, then completes the key with the result or
 * releases it. Every way in (the HTTP filter, the {@code @Idempotent} advisor, code calling
 * {@link #execute}) goes through here, so the rules are written once:
 * <ul>
 * <li>key absent (or its holder's lease ended): the caller owns it and runs the work;</li>
 * <li>key held with another fingerprint: {@link IdempotencyKeyReusedException};</li>
 * <li>key held in progress: {@link IdempotentRequestInProgressException};</li>
 * <li>key completed: the stored result is replayed;</li>
 * <li>key ended as run without a result to replay: {@link IdempotentResultNotReplayableException};</li>
 * <li>key whose first request started and never finished, under {@link Takeover#NEVER}:
 * {@link IdempotentOutcomeUnknownException} until an operator evicts it.</li>
 * </ul>
 * Under {@link Takeover#NEVER}, a claim also leaves a <em>start mark</em> under a second storage
 * key, kept for the retention, before the work runs: the mark of a start that neither completed
 * nor released the key is how a later claim tells "never ran" from "ran, outcome unknown", since
 * the key's own in-progress entry ends with its lease. It costs such a first request one more
 * round trip.
 * While a claim's work runs ({@link OwnedKey#runAsCurrent}), the application's transactions that
 * it begins are fenced, so that a holder whose key was taken over cannot commit: see
 * {@link #transactionBegan()}.
 * Storage failures surface as {@link IdempotencyStorageException}.
 */
public final class IdempotencyKeeper implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyKeeper.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(250);
    /** Appended to a storage key for its start mark; keeps the key within {@code [-_=.a-zA-Z0-9]}. */
    static final String START_MARK_SUFFIX = ".started";
    /**
     * How many blocking storage calls of {@link #claimAsync} callers run at once, for a storage
     * without a non-blocking client; more wait their turn. Idle threads end after 30 seconds.
     */
    static final int BLOCKING_CALL_THREADS = 16;

    private final IdempotencyStorage storage;
    private final String keyPrefix;
    private final Duration retention;
    private final Duration lease;
    private final FailureMode failureMode;
    private final Takeover takeover;
    private final IdempotencyListener listener;
    private final TransactionFencing fencing;
    private final LeaseScheduler scheduler = new LeaseScheduler();
    private final ThreadPoolExecutor blockingCalls = blockingCallThreads();
    private final AsyncIdempotencyStorage asyncStorage;

    /**
     * A fail-closed keeper that tells no listener; see the full constructor.
     *
     * @param storage where entries are kept
     * @param keyPrefix prepended to every storage key, of {@code [-_=.a-zA-Z0-9]} only
     * @param retention how long a completed result is kept and replayed
     * @param lease how long an in-progress claim holds the key before another may take over
     * @throws IllegalArgumentException when {@code keyPrefix} has another character, or
     *     {@code retention} or {@code lease} is not positive
     */
    public IdempotencyKeeper(IdempotencyStorage storage, String keyPrefix, Duration retention, Duration lease) {
        this(storage, keyPrefix, retention, lease, FailureMode.FAIL_CLOSED, IdempotencyListener.NONE);
    }

    /**
     * A keeper that takes a key over after its holder's lease ends; see the full constructor.
     *
     * @param storage where entries are kept
     * @param keyPrefix prepended to every storage key, of {@code [-_=.a-zA-Z0-9]} only
     * @param retention how long a completed result is kept and replayed
     * @param lease how long an in-progress claim holds the key before another may take over
     * @param failureMode what a claim does when the storage cannot answer
     * @param listener told of outcomes, lost leases, unprotected runs and abandoned results
     * @throws IllegalArgumentException when {@code keyPrefix} has another character, or
     *     {@code retention} or {@code lease} is not positive
     */
    public IdempotencyKeeper(IdempotencyStorage storage, String keyPrefix, Duration retention, Duration lease,
            FailureMode failureMode, IdempotencyListener listener) {
        this(storage, keyPrefix, retention, lease, failureMode, Takeover.AFTER_LEASE, listener);
    }

    /**
     * A keeper that fences no transaction.
     *
     * @param storage where entries are kept
     * @param keyPrefix prepended to every storage key, of {@code [-_=.a-zA-Z0-9]} only
     * @param retention how long a completed result is kept and replayed
     * @param lease how long an in-progress claim holds the key before another may take over; renewed
     *     every quarter to third of it while the work runs
     * @param failureMode what a claim does when the storage cannot answer
     * @param takeover what a claim does with a key whose first request never finished, unless the
     *     call says otherwise; not {@link Takeover#DEFAULT}
     * @param listener told of outcomes, lost leases, unprotected runs and abandoned results
     * @throws IllegalArgumentException when {@code keyPrefix} has another character,
     *     {@code retention} or {@code lease} is not positive, or {@code takeover} is
     *     {@link Takeover#DEFAULT}
     */
    public IdempotencyKeeper(IdempotencyStorage storage, String keyPrefix, Duration retention, Duration lease,
            FailureMode failureMode, Takeover takeover, IdempotencyListener listener) {
        this(storage, keyPrefix, retention, lease, failureMode, takeover, listener, TransactionHooks.NONE, false);
    }

    /**
     * A keeper that fences the application's transactions: see {@link #transactionBegan()}.
     *
     * @param storage where entries are kept
     * @param keyPrefix prepended to every storage key, of {@code [-_=.a-zA-Z0-9]} only
     * @param retention how long a completed result is kept and replayed
     * @param lease how long an in-progress claim holds the key before another may take over
     * @param failureMode what a claim does when the storage cannot answer
     * @param takeover what a claim does with a key whose first request never finished, unless the
     *     call says otherwise; not {@link Takeover#DEFAULT}
     * @param listener told of outcomes, lost leases, unprotected runs and abandoned results
     * @param transactions the application's transactions, through an adapter of its transaction library
     * @param fenceEveryTransaction whether a transaction the storage does not join (Redis, NATS, memory,
     *     or JDBC on another DataSource) is fenced too, at one storage call per commit
     *     ({@code idempotency.transaction-fence}); one it joins always is
     * @throws IllegalArgumentException when {@code keyPrefix} has another character,
     *     {@code retention} or {@code lease} is not positive, or {@code takeover} is
     *     {@link Takeover#DEFAULT}
     * @see #IdempotencyKeeper(IdempotencyStorage, String, Duration, Duration, FailureMode, Takeover, IdempotencyListener)
     */
    public IdempotencyKeeper(IdempotencyStorage storage, String keyPrefix, Duration retention, Duration lease,
            FailureMode failureMode, Takeover takeover, IdempotencyListener listener, TransactionHooks transactions,
            boolean fenceEveryTransaction) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.keyPrefix = requireStorageSafe(keyPrefix);
        this.retention = requirePositive(retention, "retention");
        this.lease = requirePositive(lease, "lease");
        this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
        if (Objects.requireNonNull(takeover, "takeover") == Takeover.DEFAULT) {
            throw new IllegalArgumentException("A keeper's takeover is after-lease or never, not default");
        }
        this.takeover = takeover;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.fencing = new TransactionFencing(Objects.requireNonNull(transactions, "transactions"),
                fenceEveryTransaction);
        this.asyncStorage = storage.async(blockingCalls);
    }

    private static ThreadPoolExecutor blockingCallThreads() {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(BLOCKING_CALL_THREADS, BLOCKING_CALL_THREADS, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "idempotency-storage-call");
                    thread.setDaemon(true);
                    return thread;
                });
        threads.allowCoreThreadTimeOut(true);
        return threads;
    }

    /**
     * Claims {@code key} for a request with {@code fingerprint}; a duplicate of a request still
     * running is refused at once.
     *
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @return {@link OwnedKey} when the work is to run, {@link ClaimOutcome.Replay} when an
     *     earlier request with the same fingerprint completed the key, {@link ClaimOutcome.Unprotected}
     *     when the storage failed under {@link FailureMode#FAIL_OPEN}
     * @throws IdempotencyKeyReusedException when the key was claimed with another fingerprint
     * @throws IdempotentRequestInProgressException when the key's first request still runs
     * @throws IdempotentResultNotReplayableException when the key's work ran and its result could not be stored
     * @throws IdempotencyStorageException when the storage cannot answer
     */
    public ClaimOutcome claim(IdempotencyKey key, RequestFingerprint fingerprint) {
        return claim(key, fingerprint, Duration.ZERO);
    }

    /**
     * Claims {@code key} like {@link #claim(IdempotencyKey, RequestFingerprint)}, but while the
     * key's first request still runs, waits up to {@code wait} for it to finish: see
     * {@link #claim(IdempotencyKey, RequestFingerprint, ClaimOptions)}.
     *
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param wait how long to wait for a running first request; {@link Duration#ZERO} refuses at once
     * @return as {@link #claim(IdempotencyKey, RequestFingerprint, ClaimOptions)} answers
     */
    public ClaimOutcome claim(IdempotencyKey key, RequestFingerprint fingerprint, Duration wait) {
        return claim(key, fingerprint, ClaimOptions.DEFAULTS.withWait(wait));
    }

    /**
     * Claims {@code key} with per-call options. While the key's first request still runs, waits
     * up to {@link ClaimOptions#maxWait()} for it to finish: backing off between claims and woken
     * early by the storage's change notification where it has one. When the first request
     * completes, its result is replayed; when it fails and releases the key, this caller claims
     * it and runs; when the wait runs out, {@link IdempotentRequestInProgressException}.
     *
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param options the wait, and the retention, lease and takeover when not the keeper's
     * @return {@link OwnedKey} when the work is to run, {@link ClaimOutcome.Replay} when an
     *     earlier request with the same fingerprint completed the key, {@link ClaimOutcome.Unprotected}
     *     when the storage failed under {@link FailureMode#FAIL_OPEN}
     * @throws IdempotentOutcomeUnknownException when the key's first request never finished and
     *     the key is never taken over
     * @throws IllegalArgumentException when {@code options} ask for a retention or lease longer than
     *     the storage keeps an entry; nothing is written
     */
    public ClaimOutcome claim(IdempotencyKey key, RequestFingerprint fingerprint, ClaimOptions options) {
        requireKeptByStorage(options);
        IdempotencyListener.Execution execution = listener.started(storage.name());
        ClaimOutcome outcome;
        try {
            outcome = claimWaiting(key.storageKey(keyPrefix), fingerprint, options, execution);
        }
        catch (RuntimeException ex) {
            claimRefused(execution, ex);
            throw ex;
        }
        claimAnswered(execution, outcome);
        return outcome;
    }

    /**
     * Claims {@code key} as {@link #claim(IdempotencyKey, RequestFingerprint, ClaimOptions)} does,
     * without blocking the calling thread: for a caller on an event loop. The storage is called in
     * its asynchronous form ({@link IdempotencyStorage#async}): natively where it has a
     * non-blocking client, else on a bounded pool of {@value #BLOCKING_CALL_THREADS} threads. A
     * duplicate that waits ({@link ClaimOptions#maxWait()}) backs off on a timer, not on a
     * thread. The stage completes with what the blocking form returns, or exceptionally with what
     * it throws; it may complete on a thread of the storage's client or of that pool.
     *
     * @param key the key to claim, in its caller's scope
     * @param fingerprint what the request that claims it is
     * @param options the claim's wait, retention, lease and takeover
     * @return a stage completing with the claim's outcome
     * @throws IllegalArgumentException as the blocking form does, before anything is written
     */
    public CompletionStage<ClaimOutcome> claimAsync(IdempotencyKey key, RequestFingerprint fingerprint,
            ClaimOptions options) {
        requireKeptByStorage(options);
        IdempotencyListener.Execution execution = listener.started(storage.name());
        String storageKey = key.storageKey(keyPrefix);
        Instant claimedAt = Instant.now();
        byte[] inProgress = StoredState.inProgress(fingerprint, claimedAt).encode();
        long deadline = System.nanoTime() + options.maxWait().toNanos();
        CompletableFuture<ClaimOutcome> claimed = new CompletableFuture<>();
        claimWaitingAsync(storageKey, inProgress, fingerprint, claimedAt, options, execution, deadline, FIRST_BACKOFF,
                claimed);
        return claimed.whenComplete((outcome, failure) -> {
            if (failure == null) {
                claimAnswered(execution, outcome);
            }
            else if (unwrap(failure) instanceof RuntimeException ex) {
                claimRefused(execution, ex);
            }
        });
    }

    private void claimWaitingAsync(String storageKey, byte[] inProgress, RequestFingerprint fingerprint,
            Instant claimedAt, ClaimOptions options, IdempotencyListener.Execution execution, long deadline,
            Duration backoff, CompletableFuture<ClaimOutcome> claimed) {
        claimOnceAsync(storageKey, inProgress, fingerprint, claimedAt, options, execution).whenComplete((outcome, failure) -> {
            if (failure != null) {
                claimed.completeExceptionally(unwrap(failure));
                return;
            }
            if (outcome != null) {
                claimed.complete(outcome);
                return;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                claimed.completeExceptionally(new IdempotentRequestInProgressException());
                return;
            }
            long delay = Math.min(backoff.toNanos(), remaining);
            CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, blockingCalls).execute(() ->
                    claimWaitingAsync(storageKey, inProgress, fingerprint, claimedAt, options, execution, deadline,
                            nextBackoff(backoff), claimed));
        });
    }

    /** Counts the outcome of a claim that answered. */
    private static void claimAnswered(IdempotencyListener.Execution execution, ClaimOutcome outcome) {
        if (outcome instanceof ClaimOutcome.Replay) {
            execution.finished(Outcome.REPLAYED);
        }
        else if (outcome instanceof ClaimOutcome.Unprotected) {
            execution.finished(Outcome.STORAGE_ERROR);
        }
    }

    /** Counts the outcome of a claim refused with {@code refusal}. */
    private static void claimRefused(IdempotencyListener.Execution execution, RuntimeException refusal) {
        if (refusal instanceof IdempotencyKeyReusedException) {
            execution.finished(Outcome.MISMATCH);
        }
        else if (refusal instanceof IdempotentRequestInProgressException) {
            execution.finished(Outcome.CONFLICT);
        }
        else if (refusal instanceof IdempotentOutcomeUnknownException) {
            execution.finished(Outcome.ABANDONED);
        }
        else if (refusal instanceof IdempotentResultNotReplayableException) {
            // Answered from the stored state and nothing ran, as the web layer counts a response too large to store.
            execution.finished(Outcome.REPLAYED);
        }
        else {
            execution.finished(Outcome.STORAGE_ERROR);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static Duration nextBackoff(Duration backoff) {
        return backoff.multipliedBy(2).compareTo(MAX_BACKOFF) < 0 ? backoff.multipliedBy(2) : MAX_BACKOFF;
    }

    /**
     * Refuses a per-call retention or lease longer than the storage keeps an entry
     * ({@link IdempotencyStorage#longestEntryLife()}): it would drop the entry early, and a retry
     * would run the work again. The keeper's own are checked where the storage is set up.
     */
    private void requireKeptByStorage(ClaimOptions options) {
        Duration longest = storage.longestEntryLife().orElse(null);
        String tooLong = longest == null ? null
                : options.retention() != null && options.retention().compareTo(longest) > 0
                        ? "retention " + options.retention()
                : options.lease() != null && options.lease().compareTo(longest) > 0 ? "lease " + options.lease()
                : null;
        if (tooLong != null) {
            throw new IllegalArgumentException("The " + tooLong + " is longer than the " + storage.name()
                    + " storage keeps an entry (" + longest + "), so the entry would be dropped early and a retry "
                    + "would run the work again. Ask for at most " + longest + ", or raise the storage's limit (NATS: "
                    + "the bucket's max age, idempotency.storage.nats.max-age)");
        }
    }

    private ClaimOutcome claimWaiting(String storageKey, RequestFingerprint fingerprint, ClaimOptions options,
            IdempotencyListener.Execution execution) {
        Instant claimedAt = Instant.now();
        byte[] inProgress = StoredState.inProgress(fingerprint, claimedAt).encode();
        long deadline = System.nanoTime() + options.maxWait().toNanos();
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            ClaimOutcome outcome = claimOnce(storageKey, inProgress, fingerprint, claimedAt, options, execution);
            if (outcome != null) {
                return outcome;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new IdempotentRequestInProgressException();
            }
            try {
                storage.awaitChange(storageKey, backoff.compareTo(Duration.ofNanos(remaining)) < 0 ? backoff
                        : Duration.ofNanos(remaining));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IdempotentRequestInProgressException();
            }
            backoff = nextBackoff(backoff);
        }
    }

    /** One claim; {@code null} when the key is held in progress by a request with this fingerprint. */
    private ClaimOutcome claimOnce(String storageKey, byte[] inProgress, RequestFingerprint fingerprint,
            Instant claimedAt, ClaimOptions options, IdempotencyListener.Execution execution) {
        Duration claimLease = leaseOf(options);
        ClaimResult result;
        StartMark startMark = null;
        try {
            result = storage.attemptLock(storageKey, inProgress, claimLease);
            if (result instanceof ClaimResult.Acquired acquired && takeoverOf(options) == Takeover.NEVER) {
                startMark = markStart(storageKey, acquired.token(), inProgress, fingerprint, retentionOf(options));
            }
        }
        catch (IdempotencyStorageException ex) {
            return unprotectedOrThrow(storageKey, ex);
        }
        return outcomeOf(storageKey, result, startMark, fingerprint, claimedAt, options, execution);
    }

    /** {@link #claimOnce} through the storage's asynchronous form. */
    private CompletionStage<ClaimOutcome> claimOnceAsync(String storageKey, byte[] inProgress,
            RequestFingerprint fingerprint, Instant claimedAt, ClaimOptions options,
            IdempotencyListener.Execution execution) {
        CompletionStage<ClaimOutcome> claimed = asyncStorage.attemptLock(storageKey, inProgress, leaseOf(options))
                .thenCompose(result -> {
                    if (result instanceof ClaimResult.Acquired acquired && takeoverOf(options) == Takeover.NEVER) {
                        return markStartAsync(storageKey, acquired.token(), inProgress, fingerprint,
                                retentionOf(options)).thenApply(startMark -> outcomeOf(storageKey, result, startMark,
                                        fingerprint, claimedAt, options, execution));
                    }
                    return CompletableFuture.completedFuture(outcomeOf(storageKey, result, null, fingerprint,
                            claimedAt, options, execution));
                });
        return claimed.exceptionallyCompose(failure -> unwrap(failure) instanceof IdempotencyStorageException ex
                ? CompletableFuture.completedFuture(unprotectedOrThrow(storageKey, ex))
                : CompletableFuture.failedFuture(unwrap(failure)));
    }

    private Duration leaseOf(ClaimOptions options) {
        return options.lease() != null ? options.lease() : lease;
    }

    private Duration retentionOf(ClaimOptions options) {
        return options.retention() != null ? options.retention() : retention;
    }

    /** A storage that cannot answer: rethrown failing closed, an unprotected run failing open. */
    private ClaimOutcome unprotectedOrThrow(String storageKey, IdempotencyStorageException ex) {
        if (failureMode == FailureMode.FAIL_CLOSED) {
            throw ex;
        }
        logger.warn("Idempotency storage unavailable; running key {} WITHOUT protection (fail-open): {}",
                logId(storageKey), ex.getMessage());
        listener.failedOpen(logId(storageKey));
        return new ClaimOutcome.Unprotected();
    }

    /** What the storage's answer to a claim means; {@code null} when the key is in progress with this fingerprint. */
    private ClaimOutcome outcomeOf(String storageKey, ClaimResult result, StartMark startMark,
            RequestFingerprint fingerprint, Instant claimedAt, ClaimOptions options,
            IdempotencyListener.Execution execution) {
        if (result instanceof ClaimResult.Acquired acquired) {
            return new OwnedKey(storage, asyncStorage, storageKey, acquired.token(), startMark, fingerprint, claimedAt,
                    retentionOf(options), leaseOf(options), scheduler, listener, execution, fencing);
        }
        StoredState held = StoredState.decode(((ClaimResult.Held) result).value());
        if (!held.fingerprint().equals(fingerprint)) {
            throw new IdempotencyKeyReusedException();
        }
        if (held.status() == StoredState.Status.IN_PROGRESS) {
            return null;
        }
        if (held.status() == StoredState.Status.NOT_REPLAYABLE) {
            throw new IdempotentResultNotReplayableException();
        }
        return new ClaimOutcome.Replay(held.result());
    }

    private Takeover takeoverOf(ClaimOptions options) {
        return options.takeover() == Takeover.DEFAULT ? takeover : options.takeover();
    }

    /**
     * Marks the start of the work on a key just claimed under {@link Takeover#NEVER}. A mark left
     * by an earlier start means that start neither completed nor released the key: the claim just
     * made is given back and refused.
     *
     * @throws IdempotentOutcomeUnknownException when an earlier start with this fingerprint left its mark
     * @throws IdempotencyKeyReusedException when an earlier start with another fingerprint did
     * @throws IdempotencyStorageException when the storage cannot answer; the claim is given back
     */
    private StartMark markStart(String storageKey, OwnerToken keyToken, byte[] inProgress,
            RequestFingerprint fingerprint, Duration claimRetention) {
        String markKey = storageKey + START_MARK_SUFFIX;
        ClaimResult mark;
        try {
            mark = storage.attemptLock(markKey, inProgress, claimRetention);
        }
        catch (IdempotencyStorageException ex) {
            giveBack(storageKey, keyToken);
            throw ex;
        }
        return startMarkOf(markKey, mark, fingerprint, () -> giveBack(storageKey, keyToken));
    }

    /** {@link #markStart} through the storage's asynchronous form; a claim given back is not waited for. */
    private CompletionStage<StartMark> markStartAsync(String storageKey, OwnerToken keyToken, byte[] inProgress,
            RequestFingerprint fingerprint, Duration claimRetention) {
        String markKey = storageKey + START_MARK_SUFFIX;
        Runnable giveBack = () -> asyncStorage.release(storageKey, keyToken).exceptionally(ex -> {
            notGivenBack(storageKey, unwrap(ex));
            return false;
        });
        return asyncStorage.attemptLock(markKey, inProgress, claimRetention).handle((mark, failure) -> {
            if (failure != null) {
                giveBack.run();
                throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
            }
            return startMarkOf(markKey, mark, fingerprint, giveBack);
        });
    }

    /**
     * The start mark just claimed, or the refusal of a key whose earlier start left its mark.
     *
     * @param giveBack releases the claim of the key, whose work will not run
     */
    private static StartMark startMarkOf(String markKey, ClaimResult mark, RequestFingerprint fingerprint,
            Runnable giveBack) {
        if (mark instanceof ClaimResult.Acquired started) {
            return new StartMark(markKey, started.token());
        }
        giveBack.run();
        if (!StoredState.decode(((ClaimResult.Held) mark).value()).fingerprint().equals(fingerprint)) {
            throw new IdempotencyKeyReusedException();
        }
        throw new IdempotentOutcomeUnknownException();
    }

    /** Releases a claim whose work will not run; a storage error leaves it until its lease ends. */
    private void giveBack(String storageKey, OwnerToken token) {
        try {
            storage.release(storageKey, token);
        }
        catch (IdempotencyStorageException ex) {
            notGivenBack(storageKey, ex);
        }
    }

    private static void notGivenBack(String storageKey, Throwable ex) {
        logger.warn("Could not give back idempotency key {}; it is held until its lease ends: {}",
                logId(storageKey), ex.getMessage());
    }

    /** Counts a request refused before it could claim (for example a malformed key) as {@link Outcome#REJECTED}. */
    public void rejected() {
        listener.started(storage.name()).finished(Outcome.REJECTED);
    }

    /**
     * {@return the state of {@code key}, for operators; empty when the key is unknown or expired}
     *
     * @param key the client's key in its scope
     * @throws IdempotencyStorageException when the storage cannot answer
     */
    public Optional<KeyState> inspect(IdempotencyKey key) {
        String storageKey = key.storageKey(keyPrefix);
        Optional<KeyState> held = storage.read(storageKey).map(entry -> {
            StoredState state = StoredState.decode(entry.value());
            return new KeyState(entry.inProgress() ? KeyState.Status.IN_PROGRESS : KeyState.Status.COMPLETED,
                    state.claimedAt(), entry.expiresAt(), state.result());
        });
        if (held.isPresent()) {
            return held;
        }
        return storage.read(storageKey + START_MARK_SUFFIX).map(mark -> new KeyState(KeyState.Status.ABANDONED,
                StoredState.decode(mark.value()).claimedAt(), mark.expiresAt(), new byte[0]));
    }

    /**
     * Deletes {@code key} whatever its state, and its start mark, for operators unsticking a key:
     * a retry then runs again.
     *
     * @param key the client's key in its scope
     * @return {@code true} when there was a live entry to delete
     */
    public boolean evict(IdempotencyKey key) {
        String storageKey = key.storageKey(keyPrefix);
        boolean deleted = storage.delete(storageKey);
        return storage.delete(storageKey + START_MARK_SUFFIX) || deleted;
    }

    /**
     * Runs {@code work} at most once for {@code key}: the first call runs it and stores its result
     * through {@code codec}; later calls with the same fingerprint get the stored result decoded.
     * When the work throws, the key is released (so a retry runs again) and the exception is
     * rethrown unchanged. A result is stored only once it decodes again; when it cannot be encoded,
     * or does not decode, the key is ended as run without a result, this call throws
     * {@link IdempotentResultNotReplayableException} with the codec's failure as its cause, and so
     * does every retry: the work has run and never runs again under the key.
     *
     * @param <T> the work's result type
     * @param <E> what the work may throw
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param codec encodes the result for storage and decodes it for a replay
     * @param work the work to run at most once
     * @return the work's result, or the stored result decoded
     * @throws E what the work throws
     */
    public <T, E extends Throwable> T execute(IdempotencyKey key, RequestFingerprint fingerprint,
            ResultCodec<T> codec, IdempotentWork<T, E> work) throws E {
        return execute(key, fingerprint, Duration.ZERO, codec, work);
    }

    /**
     * Like {@link #execute(IdempotencyKey, RequestFingerprint, ResultCodec, IdempotentWork)}, with a
     * duplicate waiting up to {@code wait} for the first call, as {@link #claim(IdempotencyKey,
     * RequestFingerprint, Duration)} does.
     *
     * @param <T> the work's result type
     * @param <E> what the work may throw
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param wait how long a duplicate waits for a running first request
     * @param codec encodes the result for storage and decodes it for a replay
     * @param work the work to run at most once
     * @return the work's result, or the stored result decoded
     * @throws E what the work throws
     */
    public <T, E extends Throwable> T execute(IdempotencyKey key, RequestFingerprint fingerprint, Duration wait,
            ResultCodec<T> codec, IdempotentWork<T, E> work) throws E {
        return execute(key, fingerprint, ClaimOptions.DEFAULTS.withWait(wait), codec, work);
    }

    /**
     * Like {@link #execute(IdempotencyKey, RequestFingerprint, ResultCodec, IdempotentWork)}, with
     * per-call options as {@link #claim(IdempotencyKey, RequestFingerprint, ClaimOptions)} takes them.
     *
     * @param <T> the work's result type
     * @param <E> what the work may throw
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param options the wait, and the retention, lease and takeover when not the keeper's
     * @param codec encodes the result for storage and decodes it for a replay
     * @param work the work to run at most once
     * @return the work's result, or the stored result decoded
     * @throws E what the work throws
     */
    public <T, E extends Throwable> T execute(IdempotencyKey key, RequestFingerprint fingerprint, ClaimOptions options,
            ResultCodec<T> codec, IdempotentWork<T, E> work) throws E {
        ClaimOutcome outcome = claim(key, fingerprint, options);
        if (outcome instanceof ClaimOutcome.Replay replay) {
            return codec.decode(replay.result());
        }
        if (outcome instanceof ClaimOutcome.Unprotected) {
            return work.run();
        }
        OwnedKey owned = (OwnedKey) outcome;
        T result;
        try {
            result = owned.runAsCurrent(work);
        }
        catch (Throwable failure) {
            owned.releaseAfter(failure);
            throw failure;
        }
        return complete(owned, codec, result, true);
    }

    /**
     * The asynchronous form of {@link #execute(IdempotencyKey, RequestFingerprint, ClaimOptions,
     * ResultCodec, IdempotentWork)}, for work that answers with a {@link CompletionStage}. The key is
     * claimed at the call, and a refused claim is thrown there; the work's stage holds the key
     * until it completes. Its value is then stored under the rules of the synchronous form before
     * the returned future completes with it; when the stage fails, the key is released and the
     * returned future fails with the stage's failure. A replay is a completed future. When the work
     * throws instead of returning a stage, the key is released and the exception rethrown unchanged.
     *
     * @param <T> the work's result type
     * @param <E> what the work may throw
     * @param key the client's key in its scope
     * @param fingerprint what the request asked for
     * @param options the wait, and the retention, lease and takeover when not the keeper's
     * @param codec encodes the result for storage and decodes it for a replay
     * @param work starts the work and answers its stage; a {@code null} stage counts as a {@code null} result
     * @return a future of the work's result, or of the stored result decoded
     * @throws E what the work throws instead of returning a stage
     */
    public <T, E extends Throwable> CompletableFuture<T> executeAsync(IdempotencyKey key,
            RequestFingerprint fingerprint, ClaimOptions options, ResultCodec<T> codec,
            IdempotentWork<? extends CompletionStage<T>, E> work) throws E {
        ClaimOutcome outcome = claim(key, fingerprint, options);
        if (outcome instanceof ClaimOutcome.Replay replay) {
            return CompletableFuture.completedFuture(codec.decode(replay.result()));
        }
        if (outcome instanceof ClaimOutcome.Unprotected) {
            return stageOf(work.run()).toCompletableFuture();
        }
        OwnedKey owned = (OwnedKey) outcome;
        CompletionStage<T> stage;
        try {
            stage = stageOf(owned.runAsCurrent(work));
        }
        catch (Throwable failure) {
            owned.releaseAfter(failure);
            throw failure;
        }
        CompletableFuture<T> stored = new CompletableFuture<>();
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                owned.releaseAfter(failure);
                stored.completeExceptionally(failure);
                return;
            }
            try {
                stored.complete(complete(owned, codec, result, false));
            }
            catch (RuntimeException ex) {
                stored.completeExceptionally(ex);
            }
        });
        return stored;
    }

    /** A work that answered {@code null} instead of a stage answered a stage of {@code null}. */
    private static <T> CompletionStage<T> stageOf(CompletionStage<T> stage) {
        return stage == null ? CompletableFuture.completedFuture(null) : stage;
    }

    /**
     * Completes {@code owned} with {@code result} once it decodes again, so that a retry can always
     * replay what was stored; otherwise ends the key as run and throws.
     *
     * @param inCallersTransaction whether the work ran on the calling thread and just returned, so
     *     that the key may be completed with the transaction the caller runs
     *     ({@link OwnedKey#completeWithCallersTransaction})
     */
    private static <T> T complete(OwnedKey owned, ResultCodec<T> codec, T result, boolean inCallersTransaction) {
        byte[] encoded;
        try {
            encoded = codec.encode(result);
            codec.decode(encoded);
        }
        catch (RuntimeException ex) {
            if (inCallersTransaction) {
                owned.completeNotReplayableWithCallersTransaction();
            }
            else {
                owned.completeNotReplayable();
            }
            throw new IdempotentResultNotReplayableException(ex);
        }
        if (inCallersTransaction) {
            owned.completeWithCallersTransaction(encoded);
        }
        else {
            owned.complete(encoded);
        }
        return result;
    }

    /**
     * Tells the keeper that a transaction of the application's began on the calling thread; called
     * by the adapter of its transaction library. When a claim's work runs on this thread
     * ({@link OwnedKey#runAsCurrent}), the transaction is fenced: just before it commits, the
     * claim is confirmed with the storage ({@link IdempotencyStorage#confirmBeforeCommit}), and
     * when the claim is gone (its lease ended and another request took the key over), the commit
     * fails with {@link IdempotencyClaimLostException} and the transaction rolls back. A storage
     * that joins the transaction writes its committed mark in it, so a retry after the commit never
     * runs the work again, however long the result takes to store or if this process dies first.
     * Transactions the storage does not join are fenced only when the keeper was built to fence
     * every transaction.
     */
    public void transactionBegan() {
        OwnedKey claim = fencing.current();
        if (claim != null) {
            claim.transactionBegan();
        }
    }

    /** Stops renewing leases and retrying results in the background, and the threads of blocking storage calls. */
    @Override
    public void close() {
        scheduler.close();
        blockingCalls.shutdown();
    }

    /** {@return the name of the storage in use, for logs} */
    public String storageName() {
        return storage.name();
    }

    static String logId(String storageKey) {
        return storageKey.substring(Math.max(0, storageKey.length() - 12));
    }

    private static String requireStorageSafe(String prefix) {
        Objects.requireNonNull(prefix, "keyPrefix");
        if (!prefix.matches("[-_=.a-zA-Z0-9]*")) {
            throw new IllegalArgumentException("The key prefix '" + prefix
                    + "' may contain only letters, digits and - _ = . so that every storage accepts it");
        }
        return prefix;
    }

    private static Duration requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + duration);
        }
        return duration;
    }
}
