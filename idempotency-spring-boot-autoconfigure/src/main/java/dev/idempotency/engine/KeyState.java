package dev.idempotency.engine;

import java.time.Instant;

/**
 * An operator's view of one key: whether its request still runs, completed, or started and never
 * finished under {@link Takeover#NEVER}; when it was claimed, when its lease or retention ends,
 * and the stored result (empty unless completed).
 *
 * @param expiresAt {@code null} when the storage cannot tell
 */
public record KeyState(Status status, Instant claimedAt, Instant expiresAt, byte[] result) {

    /** Where the key's request stands. */
    public enum Status {

        /** A request holds the key and its work runs. */
        IN_PROGRESS,

        /** The work ran and its result is replayed. */
        COMPLETED,

        /**
         * The work started and never finished, and the key is never taken over: retries are refused
         * until an operator evicts the key.
         */
        ABANDONED
    }
}
