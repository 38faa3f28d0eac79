package dev.idempotency.engine;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * What the engine keeps under a key: the status, the fingerprint of the request that claimed
 * it, when it was claimed, and once completed the result bytes.
 *
 * <p>Encoded as: one format byte ({@code 1}), one status byte, the 32 fingerprint bytes, eight
 * bytes of the claim time in epoch milliseconds, then the result bytes to the end.
 */
record StoredState(Status status, RequestFingerprint fingerprint, Instant claimedAt, byte[] result) {

    private static final byte FORMAT = 1;
    private static final int HEADER = 2 + RequestFingerprint.LENGTH + Long.BYTES;

    /** The seed design's statuses. */
    enum Status {
        IN_PROGRESS, SUCCESS
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

    byte[] encode() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + result.length);
        buffer.put(FORMAT).put((byte) status.ordinal());
        fingerprint.writeTo(buffer);
        buffer.putLong(claimedAt.toEpochMilli());
        buffer.put(result);
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
