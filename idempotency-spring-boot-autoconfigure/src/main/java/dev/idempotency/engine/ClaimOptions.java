package dev.idempotency.engine;

import java.time.Duration;

/**
 * Per-call settings of a claim; a {@code null} retention or lease means the keeper's own.
 *
 * @param maxWait how long a duplicate waits for a running first request ({@link Duration#ZERO}:
 *     refused at once)
 * @param retention how long the result is kept and replayed
 * @param lease how long the claim holds the key between renewals
 */
public record ClaimOptions(Duration maxWait, Duration retention, Duration lease) {

    /** Refuse duplicates at once; the keeper's retention and lease. */
    public static final ClaimOptions DEFAULTS = new ClaimOptions(Duration.ZERO, null, null);

    public ClaimOptions {
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be zero or positive, was " + maxWait);
        }
        requirePositiveOrNull(retention, "retention");
        requirePositiveOrNull(lease, "lease");
    }

    /** These options with a duplicate waiting up to {@code maxWait}. */
    public ClaimOptions withWait(Duration maxWait) {
        return new ClaimOptions(maxWait, retention, lease);
    }

    /** These options with the result kept for {@code retention}. */
    public ClaimOptions withRetention(Duration retention) {
        return new ClaimOptions(maxWait, retention, lease);
    }

    /** These options with the claim holding the key for {@code lease} between renewals. */
    public ClaimOptions withLease(Duration lease) {
        return new ClaimOptions(maxWait, retention, lease);
    }

    private static void requirePositiveOrNull(Duration duration, String name) {
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            throw new IllegalArgumentException(name + " must be positive, was " + duration);
        }
    }
}
