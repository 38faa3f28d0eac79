package dev.idempotency.storage.nats;

import java.time.Duration;

/**
 * What this instance remembers of one of its claims, so that each owner-only operation is a single
 * compare-and-set on the revision it last wrote. The storage holds the object's monitor for the
 * whole operation: an extend and a complete racing on one token must not both compare against the
 * same revision.
 *
 * <p>A write whose answer was lost (it timed out) may or may not have taken effect, so the claim
 * then remembers it as <em>unconfirmed</em>: when it was first sent, and the completed entry if it
 * was a completion. Until a later write is confirmed, the revision remembered may be stale, and the
 * storage reads the key back before concluding from a refusal that the claim is lost.
 */
final class OwnedClaim {

    private final String key;
    private final String owner;
    private final byte[] payload;
    private long revision;
    private long deadlineNanos;
    private long leaseNanos;
    private boolean ended;
    private boolean unconfirmed;
    private long unconfirmedSinceNanos;
    private long unconfirmedUntilNanos;
    private byte[] unconfirmedCompletion;

    /**
     * @param owner the claim's owner token
     * @param sentAtNanos {@link System#nanoTime()} taken before the write was sent: the server
     *     stored it later, so a deadline counted from here ends no later than the server's view
     */
    OwnedClaim(String key, String owner, byte[] payload, long revision, long sentAtNanos, Duration lease) {
        this.key = key;
        this.owner = owner;
        this.payload = payload;
        renew(revision, sentAtNanos, lease);
    }

    String key() {
        return key;
    }

    /** The owner token this claim writes into its in-progress entries. */
    String owner() {
        return owner;
    }

    /** The bytes of the claim, rewritten unchanged when the lease is extended. */
    byte[] payload() {
        return payload;
    }

    synchronized long revision() {
        return revision;
    }

    /** Whether the claim may still act: not ended, and its lease not over by this host's clock. */
    synchronized boolean isLive() {
        return !ended && System.nanoTime() - deadlineNanos < 0;
    }

    /** A write of this claim was confirmed at {@code newRevision}: every earlier write is settled. */
    synchronized void renew(long newRevision, long sentAtNanos, Duration lease) {
        this.revision = newRevision;
        this.leaseNanos = lease.toNanos();
        this.deadlineNanos = sentAtNanos + leaseNanos;
        this.unconfirmed = false;
        this.unconfirmedCompletion = null;
    }

    /**
     * The write sent at {@code sentAtNanos} got no answer. It may take effect, so the claim stays
     * worth reading back for a lease from now, even past its own deadline.
     *
     * @param completion the completed entry the write stored, or {@code null} for another write
     */
    synchronized void unconfirmedWrite(long sentAtNanos, byte[] completion) {
        if (!unconfirmed) {
            unconfirmed = true;
            unconfirmedSinceNanos = sentAtNanos;
        }
        unconfirmedUntilNanos = System.nanoTime() + leaseNanos;
        if (completion != null) {
            unconfirmedCompletion = completion;
        }
    }

    /** Whether a write whose answer was lost may have changed the key since the revision remembered. */
    synchronized boolean isUnconfirmed() {
        return !ended && unconfirmed && System.nanoTime() - unconfirmedUntilNanos < 0;
    }

    /** The completed entry of the latest completion whose answer was lost; {@code null} when none. */
    synchronized byte[] unconfirmedCompletion() {
        return unconfirmedCompletion;
    }

    /**
     * The key was read back holding this claim's in-progress entry at {@code foundRevision}, written
     * by an unconfirmed write: it becomes the revision to write over, with a lease counted from the
     * earliest unconfirmed send, which ends no later than the server's view. A revision other than
     * the remembered one settles every unconfirmed write: all of them compared against the
     * remembered one.
     */
    synchronized void adopt(long foundRevision, Duration lease) {
        if (foundRevision != revision) {
            renew(foundRevision, unconfirmedSinceNanos, lease);
        }
    }

    synchronized void end() {
        this.ended = true;
    }
}
