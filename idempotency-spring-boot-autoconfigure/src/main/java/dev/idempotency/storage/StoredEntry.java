package dev.idempotency.storage;

import java.time.Instant;

/**
 * What {@link IdempotencyStorage#read} found under a key, for operators.
 *
 * @param value the stored bytes
 * @param inProgress whether a claim still owns the entry (else it is completed)
 * @param expiresAt when the lease or retention ends, as far as the storage knows; {@code null}
 *     when it cannot tell
 */
public record StoredEntry(byte[] value, boolean inProgress, Instant expiresAt) {
}
