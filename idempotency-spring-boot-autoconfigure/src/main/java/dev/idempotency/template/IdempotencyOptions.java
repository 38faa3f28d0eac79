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

    public IdempotencyOptions {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(takeover, "takeover");
    }

    public IdempotencyOptions withScope(String scope) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    public IdempotencyOptions withPayload(Object payload) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    public IdempotencyOptions withTtl(Duration ttl) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    public IdempotencyOptions withLease(Duration lease) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    public IdempotencyOptions withMaxWait(Duration maxWait) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }

    public IdempotencyOptions withTakeover(Takeover takeover) {
        return new IdempotencyOptions(scope, payload, ttl, lease, maxWait, takeover);
    }
}
