package dev.idempotency.sample;

import java.time.Instant;
import java.util.UUID;

/** An order as stored and returned by the API. */
public record Order(UUID id, String item, int quantity, Instant createdAt) {
}
