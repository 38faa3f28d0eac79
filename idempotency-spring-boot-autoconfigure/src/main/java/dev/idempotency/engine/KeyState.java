package dev.idempotency.engine;

import java.time.Instant;

/**
 * An operator's view of one key: whether its request still runs or completed, when it was
 * claimed, when its lease or retention ends, and the stored result (empty while in progress).
 *
 * @param expiresAt {@code null} when the storage cannot tell
 */
public record KeyState(boolean inProgress, Instant claimedAt, Instant expiresAt, byte[] result) {
}
