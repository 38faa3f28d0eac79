package dev.idempotency.engine;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What the engine keeps under a key: the status, the fingerprint of the request that claimed
 * it, and once completed the result bytes.
 *
 * <p>Encoded as: one format byte ({@code 1}), one status byte, the 32 fingerprint bytes, then
 * the result bytes to the end.
 */
record StoredState(Status status, RequestFingerprint fingerprint, byte[] result) {

    private static final byte FORMAT = 1;
    private static final int HEADER = 2 + RequestFingerprint.LENGTH;

    /** The seed design's statuses. */
    enum Status {
        IN_PROGRESS, SUCCESS
    }

    StoredState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(result, "result");
    }

    static StoredState inProgress(RequestFingerprint fingerprint) {
        return new StoredState(Status.IN_PROGRESS, fingerprint, new byte[0]);
    }

    static StoredState success(RequestFingerprint fingerprint, byte[] result) {
        return new StoredState(Status.SUCCESS, fingerprint, result);
    }

    byte[] encode() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + result.length);
        buffer.put(FORMAT).put((byte) status.ordinal());
        fingerprint.writeTo(buffer);
        buffer.put(result);
        return buffer.array();
    }

    static StoredState decode(byte[] bytes) {
        if (bytes.length < HEADER || bytes[0] != FORMAT || bytes[1] < 0 || bytes[1] >= Status.values().length) {
            throw new IllegalStateException("The stored entry is not in a format this version understands");
        }
        byte[] digest = new byte[RequestFingerprint.LENGTH];
        System.arraycopy(bytes, 2, digest, 0, digest.length);
        byte[] result = new byte[bytes.length - HEADER];
        System.arraycopy(bytes, HEADER, result, 0, result.length);
        return new StoredState(Status.values()[bytes[1]], RequestFingerprint.of(digest), result);
    }
}
