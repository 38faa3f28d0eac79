package dev.idempotency.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call settings of a claim; a {@code null} retention or lease, and {@link Takeover#DEFAULT},
 * mean the keeper's own.
 *
 * @param maxWait how long a duplicate waits for a running first request ({@link Duration#ZERO}:
 *     refused at once)
 * @param retention how long the result is kept and replayed
 * @param lease how long the claim holds the key between renewals
 * @param takeover whether a key whose first request never finished is taken over after its lease
 */
public record ClaimOptions(Duration maxWait, Duration retention, Duration lease, Takeover takeover) {

    /** Refuse duplicates at once; the keeper's retention, lease and takeover. */
    public static final ClaimOptions DEFAULTS = new ClaimOptions(Duration.ZERO, null, null, Takeover.DEFAULT);

    /**
     * Checks the options.
     *
     * @param maxWait how long a duplicate waits for a running first request; zero or positive
     * @param retention how long the result is kept and replayed; positive, or {@code null} for the keeper's
     * @param lease how long the claim holds the key between renewals; positive, or {@code null} for the keeper's
     * @param takeover what a claim does with a key whose first request never finished
     * @throws IllegalArgumentException when {@code maxWait} is {@code null} or negative, or
     *     {@code retention} or {@code lease} is zero or negative
     * @throws NullPointerException when {@code takeover} is {@code null}
     */
    public ClaimOptions {
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be zero or positive, was " + maxWait);
        }
        requirePositiveOrNull(retention, "retention");
        requirePositiveOrNull(lease, "lease");
        Objects.requireNonNull(takeover, "takeover");
    }

    /**
     * Options with the keeper's takeover.
     *
     * @param maxWait how long a duplicate waits for a running first request; zero or positive
     * @param retention how long the result is kept and replayed; positive, or {@code null} for the keeper's
     * @param lease how long the claim holds the key between renewals; positive, or {@code null} for the keeper's
     * @throws IllegalArgumentException when {@code maxWait} is {@code null} or negative, or
     *     {@code retention} or {@code lease} is zero or negative
     */
    public ClaimOptions(Duration maxWait, Duration retention, Duration lease) {
        this(maxWait, retention, lease, Takeover.DEFAULT);
    }

    /**
     * {@return these options with a duplicate waiting up to {@code maxWait}}
     *
     * @param maxWait zero (refused at once) or positive
     */
    public ClaimOptions withWait(Duration maxWait) {
        return new ClaimOptions(maxWait, retention, lease, takeover);
    }

    /**
     * {@return these options with the result kept for {@code retention}}
     *
     * @param retention positive, or {@code null} for the keeper's
     */
    public ClaimOptions withRetention(Duration retention) {
        return new ClaimOptions(maxWait, retention, lease, takeover);
    }

    /**
     * {@return these options with the claim holding the key for {@code lease} between renewals}
     *
     * @param lease positive, or {@code null} for the keeper's
     */
    public ClaimOptions withLease(Duration lease) {
        return new ClaimOptions(maxWait, retention, lease, takeover);
    }

    /**
     * {@return these options with {@code takeover} for a key whose first request never finished}
     *
     * @param takeover {@link Takeover#DEFAULT} for the keeper's
     */
    public ClaimOptions withTakeover(Takeover takeover) {
        return new ClaimOptions(maxWait, retention, lease, takeover);
    }

    private static void requirePositiveOrNull(Duration duration, String name) {
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            throw new IllegalArgumentException(name + " must be positive, was " + duration);
        }
    }
}
