package dev.idempotency.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The SHA-256 of what a request asked for. A key reused with a different fingerprint is a
 * different request under the same key, which the engine refuses.
 */
public final class RequestFingerprint {

    /** Length of a fingerprint in bytes. */
    public static final int LENGTH = 32;

    private final byte[] digest;

    private RequestFingerprint(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("A fingerprint is " + LENGTH + " bytes, was " + digest.length);
        }
        this.digest = digest;
    }

    /** {@return a builder of a new fingerprint; every part is length-prefixed, so part boundaries are unambiguous} */
    public static Builder builder() {
        return new Builder();
    }

    static RequestFingerprint of(byte[] digest) {
        return new RequestFingerprint(digest.clone());
    }

    void writeTo(ByteBuffer buffer) {
        buffer.put(digest);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RequestFingerprint that && MessageDigest.isEqual(digest, that.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "RequestFingerprint[" + HexFormat.of().formatHex(digest, 0, 6) + "...]";
    }

    /** Adds the parts of a fingerprint in order. */
    public static final class Builder {

        private final MessageDigest digest = IdempotencyKey.sha256();

        private Builder() {
        }

        /**
         * Adds a text part, encoded as UTF-8; {@code null} counts as empty.
         *
         * @param part the text, or {@code null}
         * @return this builder
         */
        public Builder add(String part) {
            return add(part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Adds a binary part.
         *
         * @param part the bytes, not {@code null}
         * @return this builder
         */
        public Builder add(byte[] part) {
            IdempotencyKey.updateWithLength(digest, part.length);
            digest.update(part);
            return this;
        }

        /** {@return the fingerprint of the parts added; the builder starts empty again} */
        public RequestFingerprint build() {
            return new RequestFingerprint(digest.digest());
        }
    }
}
