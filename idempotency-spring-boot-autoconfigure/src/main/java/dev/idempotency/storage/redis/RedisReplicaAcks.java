package dev.idempotency.storage.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How many replicas must acknowledge a write of {@link RedisIdempotencyStorage} before it counts:
 * after a winning claim, a completion and a lease renewal, the storage sends {@code WAIT replicas
 * timeout} on the connection that sent the write. Redis replicates asynchronously, so without it
 * a primary that fails over can lose claims and completions it had already acknowledged.
 *
 * @param replicas how many replicas must have the write; 0 waits for none
 * @param timeout how long {@code WAIT} waits for them, in whole milliseconds (rounded up);
 *     ignored when {@code replicas} is 0
 */
public record RedisReplicaAcks(int replicas, Duration timeout) {

    /** No wait: Redis's asynchronous replication alone. */
    public static final RedisReplicaAcks NONE = new RedisReplicaAcks(0, Duration.ZERO);

    /**
     * Checks the settings.
     *
     * @param replicas how many replicas must have the write; 0 waits for none
     * @param timeout how long {@code WAIT} waits for them; positive when {@code replicas} is above 0
     * @throws IllegalArgumentException when {@code replicas} is negative, or replicas are awaited
     *     without a positive timeout ({@code WAIT 0} could block the connection forever)
     */
    public RedisReplicaAcks {
        Objects.requireNonNull(timeout, "timeout");
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative, was " + replicas);
        }
        if (replicas > 0 && (timeout.isZero() || timeout.isNegative())) {
            // WAIT with a timeout of 0 blocks the connection until enough replicas answer, possibly forever.
            throw new IllegalArgumentException("timeout must be positive when replicas are awaited, was " + timeout);
        }
    }

    /** {@return whether writes wait for replicas: {@code replicas} is above 0} */
    public boolean awaited() {
        return replicas > 0;
    }

    /** The timeout as {@code WAIT} takes it: whole milliseconds, rounded up. */
    long timeoutMillis() {
        return timeout.plusNanos(999_999).toMillis();
    }
}
