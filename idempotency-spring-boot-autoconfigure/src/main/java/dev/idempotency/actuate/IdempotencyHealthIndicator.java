package dev.idempotency.actuate;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.idempotency.storage.IdempotencyStorage;

/**
 * {@code UP} when the idempotency storage answers a {@link IdempotencyStorage#ping() ping},
 * {@code DOWN} with the error otherwise; both name the storage. Belongs in the readiness group, not
 * liveness: a storage outage stops protected requests (503), and restarting the application would
 * not bring the storage back.
 */
public final class IdempotencyHealthIndicator implements HealthIndicator {

    private final IdempotencyStorage storage;

    /**
     * A health indicator of {@code storage}.
     *
     * @param storage the storage to ping
     */
    public IdempotencyHealthIndicator(IdempotencyStorage storage) {
        this.storage = storage;
    }

    @Override
    public Health health() {
        try {
            storage.ping();
            return Health.up().withDetail("storage", storage.name()).build();
        }
        catch (RuntimeException ex) {
            return Health.down(ex).withDetail("storage", storage.name()).build();
        }
    }
}
