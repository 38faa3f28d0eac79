package dev.idempotency.sample;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A payment as stored and returned by the API. */
public record Payment(UUID id, String orderId, BigDecimal amount, Instant createdAt) {
}
