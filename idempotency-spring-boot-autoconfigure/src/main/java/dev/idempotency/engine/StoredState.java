package dev.idempotency.engine;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * What the engine keeps under a key: the status, the fingerprint of the request that claimed
 * it, when it was claimed, and once completed the result bytes (none when the result could not be
 * stored).
 *
 * <p>Encoded as: one format byte ({@code 1}), one status byte, the 32 fingerprint bytes, eight
 * bytes of the claim time in epoch milliseconds, then the result bytes to the end.
 */
record StoredState(Status status, RequestFingerprint fingerprint, Instant claimedAt, byte[] result) {

    private static final byte FORMAT = 1;
    private static final int HEADER = 2 + RequestFingerprint.LENGTH + Long.BYTES;

    /**
     * Where the key's work stands. The byte stored is the ordinal, so new statuses go last.
     * {@code NOT_REPLAYABLE}: the work ran, its result could not be stored and read back, and it
     * will not run again.
     */
    enum Status {
        IN_PROGRESS, SUCCESS, NOT_REPLAYABLE
    }

    StoredState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(claimedAt, "claimedAt");
        Objects.requireNonNull(result, "result");
    }

    static StoredState inProgress(RequestFingerprint fingerprint, Instant claimedAt) {
        return new StoredState(Status.IN_PROGRESS, fingerprint, claimedAt, new byte[0]);
    }

    static StoredState success(RequestFingerprint fingerprint, Instant claimedAt, byte[] result) {
        return new StoredState(Status.SUCCESS, fingerprint, claimedAt, result);
    }

    static StoredState notReplayable(RequestFingerprint fingerprint, Instant claimedAt) {
        return new StoredState(Status.NOT_REPLAYABLE, fingerprint, claimedAt, new byte[0]);
    }

    byte[] encode() {
        byte[] encoded = withHeader(status, fingerprint, claimedAt, result.length);
        System.arraycopy(result, 0, encoded, HEADER, result.length);
        return encoded;
    }

    /**
     * The encoding of {@code success(fingerprint, claimedAt, result)}, with the result written
     * straight into it: the same bytes, without the result's own array.
     *
     * @throws IllegalStateException when the writer's length is negative
     */
    static byte[] encodeSuccess(RequestFingerprint fingerprint, Instant claimedAt, ResultWriter result) {
        int length = result.length();
        if (length < 0) {
            throw new IllegalStateException("A result cannot be " + length + " bytes long");
        }
        byte[] encoded = withHeader(Status.SUCCESS, fingerprint, claimedAt, length);
        result.writeTo(encoded, HEADER);
        return encoded;
    }

    /** An array for an entry with a result of {@code resultLength} bytes, its header written. */
    private static byte[] withHeader(Status status, RequestFingerprint fingerprint, Instant claimedAt,
            int resultLength) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + resultLength);
        buffer.put(FORMAT).put((byte) status.ordinal());
        fingerprint.writeTo(buffer);
        buffer.putLong(claimedAt.toEpochMilli());
        return buffer.array();
    }

    static StoredState decode(byte[] bytes) {
        if (bytes.length < HEADER || bytes[0] != FORMAT || bytes[1] < 0 || bytes[1] >= Status.values().length) {
            throw new IllegalStateException("The stored entry is not in a format this version understands");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
        byte[] digest = new byte[RequestFingerprint.LENGTH];
        buffer.get(digest);
        Instant claimedAt = Instant.ofEpochMilli(buffer.getLong());
        byte[] result = new byte[buffer.remaining()];
        buffer.get(result);
        return new StoredState(Status.values()[bytes[1]], RequestFingerprint.of(digest), claimedAt, result);
    }
}
