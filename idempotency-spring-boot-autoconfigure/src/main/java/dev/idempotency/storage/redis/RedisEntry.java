package dev.idempotency.storage.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * One stored entry and its byte layout: {@code [0x01][n][n token bytes][payload]} while in
 * progress, {@code [0x02][payload]} once completed. The owner-checked scripts compare only the
 * leading {@link #ownerHeader owner header}, so they never read the payload.
 *
 * @param owner the claim that owns the entry, or {@code null} once completed
 * @param payload the caller's opaque bytes
 */
record RedisEntry(OwnerToken owner, byte[] payload) {

    private static final byte IN_PROGRESS = 1;
    private static final byte COMPLETED = 2;
    private static final int MAX_TOKEN_BYTES = 255;

    static RedisEntry inProgress(OwnerToken owner, byte[] payload) {
        return new RedisEntry(owner, payload);
    }

    static RedisEntry completed(byte[] payload) {
        return new RedisEntry(null, payload);
    }

    /**
     * The bytes an in-progress entry owned by {@code token} starts with, or {@code null} when the
     * token is too long to fit the layout: such a token was never issued here, so it owns nothing.
     */
    static byte[] ownerHeader(OwnerToken token) {
        byte[] tokenBytes = token.value().getBytes(StandardCharsets.UTF_8);
        if (tokenBytes.length > MAX_TOKEN_BYTES) {
            return null;
        }
        byte[] header = new byte[2 + tokenBytes.length];
        header[0] = IN_PROGRESS;
        header[1] = (byte) tokenBytes.length;
        System.arraycopy(tokenBytes, 0, header, 2, tokenBytes.length);
        return header;
    }

    static RedisEntry decode(byte[] bytes) {
        if (bytes.length >= 1 && bytes[0] == COMPLETED) {
            return completed(Arrays.copyOfRange(bytes, 1, bytes.length));
        }
        if (bytes.length >= 2 && bytes[0] == IN_PROGRESS && bytes.length >= 2 + (bytes[1] & 0xFF)) {
            int headerLength = 2 + (bytes[1] & 0xFF);
            String token = new String(bytes, 2, headerLength - 2, StandardCharsets.UTF_8);
            return inProgress(new OwnerToken(token), Arrays.copyOfRange(bytes, headerLength, bytes.length));
        }
        // Something other than this storage wrote the key; guessing would replay foreign bytes.
        throw new IdempotencyStorageException("A Redis idempotency entry is not in this storage's format; "
                + "is another application writing to the same keys?");
    }

    byte[] encode() {
        byte[] header = owner == null ? new byte[] {COMPLETED} : ownerHeader(owner);
        byte[] bytes = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, bytes, header.length, payload.length);
        return bytes;
    }
}
