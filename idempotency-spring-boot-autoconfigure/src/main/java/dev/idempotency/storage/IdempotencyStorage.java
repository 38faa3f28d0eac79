package dev.idempotency.storage;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The storage SPI: a key-value store with owner-checked, leased entries.
 *
 * <p>Values are opaque bytes; the engine owns their encoding. An entry is either
 * <em>in progress</em> (owned by the {@link OwnerToken} of the claim that wrote it, alive until
 * its lease ends) or <em>completed</em> (owned by no one, kept for its retention). Keys are
 * derived by the engine: short, made of {@code [-_=.a-zA-Z0-9]} only, and already namespaced.
 *
 * <p>Every method is atomic with respect to every other method on the same key, across all
 * instances that share the store: a caller never observes a half-applied operation. An expired
 * entry (in progress past its lease, or completed past its retention) behaves as absent.
 * Implementations judge expiry by the store's own clock where the store has one.
 *
 * <p>Every method may throw {@link IdempotencyStorageException} when the store cannot answer;
 * the operation then may or may not have taken effect, and the caller must assume either.
 *
 * <p><b>Repeats.</b> A caller that got no answer repeats the call. A repeated {@link #complete},
 * {@link #extend} or {@link #release} after one that took effect answers as if the first had been
 * answered: {@code true} when the key is as the caller wanted it, never {@code false} because the
 * storage's own earlier write raced its answer. {@code false} from an owner-only method therefore
 * always means that another claim owns the key, that the entry is gone (expired or deleted), or,
 * for {@link #complete}, that the key holds another completed entry: only then is the claim lost.
 */
public interface IdempotencyStorage {

    /**
     * Claims {@code key}. When the key is absent, or holds an in-progress entry whose lease has
     * ended, stores {@code value} as in progress for {@code lease} and answers
     * {@link ClaimResult.Acquired} with an owner token unique to this claim. Otherwise changes
     * nothing and answers {@link ClaimResult.Held} with the stored bytes, read in the same atomic
     * step.
     *
     * @param key the namespaced key to claim
     * @param value the bytes to store as the in-progress entry
     * @param lease how long the in-progress entry lives unless renewed by {@link #extend}
     * @return {@link ClaimResult.Acquired} with the new owner token, or {@link ClaimResult.Held}
     *     with the bytes of the live entry that blocked the claim
     */
    ClaimResult attemptLock(String key, byte[] value, Duration lease);

    /**
     * Replaces the in-progress entry owned by {@code token}, or its committed mark (see
     * {@link #confirmBeforeCommit}), with {@code value} as a completed entry kept for
     * {@code retention}. When the key already holds exactly the completed entry this
     * call would write (the repeat of a completion that took effect), changes nothing and answers
     * {@code true}.
     *
     * @param key the claimed key
     * @param token the owner token of the claim that is completing
     * @param value the completed entry's bytes
     * @param retention how long the completed entry is kept
     * @return {@code true} when completed; {@code false} when {@code token} no longer owns the
     *     key (its lease ended and another claim took over, or the entry is gone) and the key does
     *     not hold this completed entry, in which case nothing was changed
     */
    boolean complete(String key, OwnerToken token, byte[] value, Duration retention);

    /**
     * Deletes the in-progress entry owned by {@code token}, so the key can be claimed again. A
     * committed mark of {@code token}'s (see {@link #confirmBeforeCommit}) is not deleted but
     * left as a completed entry holding its committed value: its work committed and must not run
     * again.
     *
     * @param key the claimed key
     * @param token the owner token of the claim that is releasing
     * @return {@code false} when {@code token} no longer owns the key (a release that took effect
     *     included: the entry is gone), or owned a committed mark; nothing was deleted
     */
    boolean release(String key, OwnerToken token);

    /**
     * Renews the lease of the in-progress entry owned by {@code token} to {@code lease} from now.
     * When a {@link #complete} by {@code token} took effect but its answer was lost, the entry is
     * completed, not lost: changes nothing and answers {@code true}, so that a renewal racing the
     * repeated completion does not report the key lost. So it does for {@code token}'s committed
     * mark, which lives for its retention.
     *
     * @param key the claimed key
     * @param token the owner token of the claim that renews
     * @param lease the new lease, counted from now
     * @return {@code false} when {@code token} no longer owns the key; nothing was changed
     */
    boolean extend(String key, OwnerToken token, Duration lease);

    /**
     * Called on the thread of an application transaction just before it commits, by the claim
     * whose work ran in it: confirms, owner-checked, that {@code token} still owns the key, so
     * that a holder whose lease was taken over rolls its transaction back instead of committing.
     *
     * <p>A storage that {@link #joinsCurrentTransaction() joins the transaction} also writes, in
     * that transaction, {@code committedValue} as a <em>committed mark</em>: it commits or rolls
     * back with the application's data. A committed mark answers every claim like a completed
     * entry holding {@code committedValue} and is kept for {@code retention}, however short the
     * lease; its owner's {@link #complete} still replaces it, and its owner's {@link #release}
     * leaves it as a completed entry instead of deleting it (the work committed). Confirming again
     * (a second transaction of the same work) replaces it.
     *
     * <p>The default, for a storage outside the application's database, is {@link #extend} with
     * {@code lease}: the check alone. It narrows the window in which a stale holder can commit to
     * the time between this call and the commit, and writes nothing that the commit could take
     * with it.
     *
     * @param key the claimed key
     * @param token the owner token of the claim whose work ran in the transaction
     * @param committedValue the bytes of the committed mark, for a storage that writes one
     * @param lease the lease to renew to, for a storage that only checks
     * @param retention how long a committed mark is kept
     * @return {@code false} when {@code token} no longer owns the key; nothing was changed
     */
    default boolean confirmBeforeCommit(String key, OwnerToken token, byte[] committedValue, Duration lease,
            Duration retention) {
        return extend(key, token, lease);
    }

    /**
     * Whether {@link #confirmBeforeCommit}, called now on this thread, writes inside the
     * application's transaction running on this thread, so that its committed mark commits or
     * rolls back with that transaction's data. Answers from what the calling thread holds, without
     * a call to the store, and never throws. The default: no storage joins a transaction.
     *
     * @return {@code true} when a committed mark written now would join the current transaction
     */
    default boolean joinsCurrentTransaction() {
        return false;
    }

    /**
     * Deletes the entry under {@code key} whatever its state or owner. For operators; the engine
     * never calls it.
     *
     * @param key the key whose entry to delete
     * @return {@code true} when an entry was deleted
     */
    boolean delete(String key);

    /**
     * Reads the live entry under {@code key}, for operators; never changes anything. Not part of
     * the claim protocol: the engine never decides on what it reads here.
     *
     * @param key the key to read
     * @return the entry, or empty when the key is absent or its entry expired
     */
    Optional<StoredEntry> read(String key);

    /**
     * Checks cheaply that the storage answers, for health checks.
     *
     * @throws IdempotencyStorageException when it does not
     */
    void ping();

    /**
     * Blocks until the entry under {@code key} may have changed, or {@code timeout} has passed,
     * whichever comes first. A caller waiting for an in-progress entry to complete calls it between
     * claims. The default sleeps for the timeout; a storage that can notify changes (a NATS KV
     * watch, for example) returns as soon as the entry changes. Never changes anything.
     *
     * @param key the key whose entry the caller waits on
     * @param timeout the longest time to block
     * @throws InterruptedException when the waiting thread is interrupted
     */
    default void awaitChange(String key, Duration timeout) throws InterruptedException {
        Thread.sleep(timeout.toMillis());
    }

    /**
     * {@return the longest lease or retention this storage keeps an entry for; empty when it has no
     * limit (the default)} A storage that would drop a live entry earlier than a longer one asks
     * says so here; the engine refuses such a claim before anything is written or run.
     */
    default Optional<Duration> longestEntryLife() {
        return Optional.empty();
    }

    /**
     * The claim protocol of this storage in its non-blocking form, for callers on an event loop.
     * The default runs each blocking call on {@code blockingCalls}, a bounded executor the caller
     * owns; a storage with a non-blocking client answers natively instead, and a storage that
     * delegates to another delegates this too, so that the other's native form is kept.
     *
     * @param blockingCalls where the default runs the blocking calls; a native form needs none
     * @return the asynchronous form of this storage's claim protocol
     */
    default AsyncIdempotencyStorage async(Executor blockingCalls) {
        return new OffloadedStorage(this, blockingCalls);
    }

    /** {@return a short name for logs and metrics, for example {@code memory}} */
    String name();
}
