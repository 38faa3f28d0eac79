package dev.idempotency.storage.nats;

import java.time.Duration;

/**
 * What this instance remembers of one of its claims, so that each owner-only operation is a single
 * compare-and-set on the revision it last wrote. The storage holds the object's monitor for the
 * whole operation: an extend and a complete racing on one token must not both compare against the
 * same revision.
 */
final class OwnedClaim {

    private final String key;
    private final byte[] payload;
    private long revision;
    private long deadlineNanos;
    private boolean ended;

    /**
     * @param sentAtNanos {@link System#nanoTime()} taken before the write was sent: the server
     *     stored it later, so a deadline counted from here ends no later than the server's view
     */
    OwnedClaim(String key, byte[] payload, long revision, long sentAtNanos, Duration lease) {
        this.key = key;
        this.payload = payload;
        renew(revision, sentAtNanos, lease);
    }

    String key() {
        return key;
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

    synchronized void renew(long newRevision, long sentAtNanos, Duration lease) {
        this.revision = newRevision;
        this.deadlineNanos = sentAtNanos + lease.toNanos();
    }

    synchronized void end() {
        this.ended = true;
    }
}
