package dev.idempotency.template;

import java.time.Duration;
import java.util.Objects;

import dev.idempotency.engine.Takeover;

/**
 * Per-call options of {@link IdempotencyTemplate}: the scope that namespaces the key, the payload
 * that fingerprints the call (the same key with another payload is refused), and overrides of the
 * retention, the lease, how long a duplicate waits for a running first call, and what becomes of
 * a key whose first call never finished.
 *
 * @param scope namespaces the key; two equal keys in different scopes never meet
 * @param payload fingerprinted as JSON; {@code null} fingerprints nothing but the scope
 * @param ttl how long the result is kept; {@code null} for {@code idempotency.ttl}
 * @param lease how long a running call holds the key between renewals; {@code null} for {@code idempotency.lease}
 * @param maxWait how long a duplicate waits for a running first call; zero refuses it at once
 * @param takeover whether a key whose first call never finished is taken over after its lease;
 *     {@link Takeover#DEFAULT} for {@code idempotency.takeover}
 */
public record IdempotencyOptions(String scope, Object payload, Duration ttl, Duration lease, Duration maxWait,
        Takeover takeover) {

    /**
     * Scope {@code api}, no payload, the configured retention, lease and takeover, duplicates
     * refused at once.
     */
    public static final IdempotencyOptions DEFAULTS = new IdempotencyOptions("api", null, null, null, Duration.ZERO,
            Takeover.DEFAULT);

    /**
     * Checks the options.
     *
     * @param scope namespaces the key
     * @param payload fingerprinted as JSON, or {@code null}
     * @param ttl how long the result is kept, or {@code null} for {@code idempotency.ttl}
     * @param lease how long a running call holds the key, or {@code null} for {@code idempotency.lease}
     * @param maxWait how long a duplicate waits for a running first call
     * @param takeover whether a key whose first call never finished is taken over after its lease
     * @throws NullPointerException when {@code scope}, {@code maxWait} or {@code takeover} is {@code null}
     */
    public IdempotencyOptions {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(takeover, "takeover");
    }

    /**
     * These options in another scope.
     *
     * @param scope namespaces the key; two equal keys in different scopes never meet
     * @return a copy with {@code scope}
     */
    public IdempotencyOptions withScope(String scope) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    /**
     * These options with a payload to fingerprint: a later call with the key and another payload
     * is refused.
     *
     * @param payload fingerprinted as JSON; {@code null} fingerprints nothing but the scope
     * @return a copy with {@code payload}
     */
    public IdempotencyOptions withPayload(Object payload) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    /**
     * These options with the result kept for {@code ttl}.
     *
     * @param ttl how long the result is kept and replayed; {@code null} for {@code idempotency.ttl}
     * @return a copy with {@code ttl}
     */
    public IdempotencyOptions withTtl(Duration ttl) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    /**
     * These options with the running call holding the key for {@code lease} between renewals.
     *
     * @param lease how long a running call holds the key; {@code null} for {@code idempotency.lease}
     * @return a copy with {@code lease}
     */
    public IdempotencyOptions withLease(Duration lease) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    /**
     * These options with a duplicate waiting up to {@code maxWait} for the running first call.
     *
     * @param maxWait how long a duplicate waits; {@link Duration#ZERO} refuses it at once
     * @return a copy with {@code maxWait}
     */
    public IdempotencyOptions withMaxWait(Duration maxWait) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    /**
     * These options with {@code takeover} for a key whose first call never finished.
     *
     * @param takeover {@link Takeover#AFTER_LEASE}, {@link Takeover#NEVER}, or {@link Takeover#DEFAULT}
     *     for {@code idempotency.takeover}
     * @return a copy with {@code takeover}
     */
    public IdempotencyOptions withTakeover(Takeover takeover) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }
}
