package dev.idempotency.storage.nats;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far this application's clock may be from the NATS server's, learnt from the server's
 * timestamps of this instance's own writes. A write sent at {@code sentAt} and acknowledged at
 * {@code answeredAt} (both by this clock) was stamped {@code stampedAt} by the server in between,
 * so this clock was ahead of the server's by at least {@code sentAt - stampedAt} and at most
 * {@code answeredAt - stampedAt}. The bounds of the recent samples narrow the offset down.
 *
 * <p>An entry expires at the server's timestamp plus its lease, compared with this clock: a clock
 * ahead by S sees every lease end S early, and with S above about three quarters of a lease
 * (renewals come every quarter) takes over entries whose owner still runs. So a takeover is judged
 * by {@link #serverNowAtLeast()}: this clock's time minus the most it may be ahead, never more.
 * An offset above a quarter of a lease is logged as a WARN, at most every ten minutes.
 */
final class ClockOffset {

    private static final Logger logger = LoggerFactory.getLogger(ClockOffset.class);

    /** How often a sample is taken at most, unless told otherwise: each costs one read of a write's revision. */
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
    /** Samples older than this, counted from the newest, no longer narrow the offset: clocks drift. */
    private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int KEPT = 16;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Clock clock;
    private final String bucket;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final long sampleEveryNanos;
    private final AtomicLong lastSampleNanos;
    private volatile Bounds bounds = Bounds.UNKNOWN;
    private volatile long lastWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;

    /** @param sampleEvery how often a sample is taken at most, the first one at once */
    ClockOffset(Clock clock, String bucket, Duration sampleEvery) {
        this.clock = clock;
        this.bucket = bucket;
        this.sampleEveryNanos = sampleEvery.toNanos();
        this.lastSampleNanos = new AtomicLong(System.nanoTime() - sampleEveryNanos);
    }

    /**
     * What is known of how far this clock is ahead of the server's, in nanoseconds (negative:
     * behind), from {@code atLeast} to {@code atMost}.
     */
    record Bounds(long atLeastNanos, long atMostNanos) {

        static final Bounds UNKNOWN = new Bounds(0, 0);

        /** The middle of the bounds: the best guess. */
        Duration estimate() {
            return Duration.ofNanos(atLeastNanos + (atMostNanos - atLeastNanos) / 2);
        }

        /** Half the width of the bounds: how far the guess may be off. */
        Duration uncertainty() {
            return Duration.ofNanos((atMostNanos - atLeastNanos) / 2);
        }
    }

    private record Sample(long atLeastNanos, long atMostNanos, long takenAtNanos) {
    }

    /** This clock's time now. */
    Instant now() {
        return clock.instant();
    }

    /** Whether a sample is due, claiming it for the caller when it is. */
    boolean claimSample() {
        long last = lastSampleNanos.get();
        long now = System.nanoTime();
        return now - last >= sampleEveryNanos && lastSampleNanos.compareAndSet(last, now);
    }

    /** Adds what one write tells: sent and answered by this clock, stamped by the server in between. */
    synchronized void add(Instant sentAt, Instant answeredAt, Instant stampedAt) {
        long now = System.nanoTime();
        samples.addFirst(new Sample(Duration.between(stampedAt, sentAt).toNanos(),
                Duration.between(stampedAt, answeredAt).toNanos(), now));
        if (samples.size() > KEPT) {
            samples.removeLast();
        }
        long atLeast = Long.MIN_VALUE;
        long atMost = Long.MAX_VALUE;
        for (Sample sample : samples) {
            if (now - sample.takenAtNanos() > WINDOW_NANOS) {
                break;
            }
            atLeast = Math.max(atLeast, sample.atLeastNanos());
            atMost = Math.min(atMost, sample.atMostNanos());
        }
        Sample newest = samples.getFirst();
        // Bounds that contradict each other mean this clock stepped: only the newest sample holds.
        bounds = atLeast <= atMost ? new Bounds(atLeast, atMost) : new Bounds(newest.atLeastNanos(), newest.atMostNanos());
    }

    /** The bounds known so far; {@link Bounds#UNKNOWN} before the first sample. */
    Bounds bounds() {
        return bounds;
    }

    /**
     * The earliest the server's clock can read now: this clock's time, less the most it may be
     * ahead of the server's (and never later than this clock's own time). An entry expired by
     * this time has expired by the server's timestamps too.
     */
    Instant serverNowAtLeast() {
        return now().minusNanos(Math.max(0, bounds.atMostNanos()));
    }

    /**
     * Logs a WARN when the offset is above a quarter of {@code lease}, at most every ten minutes.
     * Called on every claim, so it compares nanoseconds: {@code Duration.dividedBy} computes in
     * {@code BigDecimal} (about 1.9 KB and a division per call).
     */
    void warnIfAbove(Duration lease) {
        Bounds known = bounds;
        Duration offset = known.estimate().abs();
        long now = System.nanoTime();
        if (offset.toNanos() <= lease.toNanos() / 4 || now - lastWarnNanos < WARN_EVERY_NANOS) {
            return;
        }
        lastWarnNanos = now;
        logger.warn("This host's clock is {} ms {} the NATS server's (± {} ms, from the server's timestamps of this "
                + "instance's writes to bucket '{}'), more than a quarter of the lease of {} ms. Entries expire by the "
                + "server's timestamps, so a takeover waits until the lease plus the offset has passed; synchronize "
                + "the clocks (NTP)", offset.toMillis(), known.estimate().isNegative() ? "behind" : "ahead of",
                known.uncertainty().toMillis(), bucket, lease.toMillis());
    }
}
