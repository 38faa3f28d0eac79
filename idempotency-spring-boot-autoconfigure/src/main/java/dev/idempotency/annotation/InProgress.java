package dev.idempotency.annotation;

import java.time.Duration;

/** What a duplicate request gets while the first request with its key still runs. */
public enum InProgress {

    /** Whatever {@code idempotency.in-progress} says. */
    DEFAULT,

    /** Refused at once: over HTTP, 409 with {@code Retry-After}. */
    REJECT,

    /**
     * Waits up to {@code idempotency.wait-timeout} for the first request to finish, then gets its
     * result (or is refused when the wait runs out).
     */
    WAIT;

    /**
     * How long a duplicate waits under this setting.
     *
     * @param configured the application's default, {@link #REJECT} or {@link #WAIT}
     * @param timeout the longest wait
     * @return {@code timeout} when the effective setting is {@link #WAIT}, else zero: refused at once
     */
    public Duration waitTime(InProgress configured, Duration timeout) {
        InProgress effective = this == DEFAULT ? configured : this;
        return effective == WAIT ? timeout : Duration.ZERO;
    }
}
