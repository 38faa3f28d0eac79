package dev.idempotency.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * A client's idempotency key within its scope (for HTTP, the authenticated principal; for a bean
 * method, the method). Two equal keys in different scopes are different keys.
 */
public record IdempotencyKey(String scope, String value) {

    private static final MessageDigest SHA_256 = newSha256();

    /**
     * One digest per thread for storage keys: {@link #storageKey} uses it from start to finish
     * with nothing in between that could call back in, and a clone costs about 450 bytes.
     */
    private static final ThreadLocal<MessageDigest> STORAGE_KEY_DIGEST = ThreadLocal.withInitial(IdempotencyKey::sha256);

    /**
     * Checks the key.
     *
     * @param scope what the key is unique within, for example the authenticated principal
     * @param value the client's key
     * @throws NullPointerException when {@code scope} or {@code value} is {@code null}
     */
    public IdempotencyKey {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(value, "value");
    }

    /**
     * The key under which the storage keeps this key's entry: {@code prefix} followed by the
     * base64url SHA-256 of the length-prefixed scope and value. Any key maps to 43 characters of
     * {@code [-_a-zA-Z0-9]}, and no two (scope, value) pairs share an encoding.
     *
     * @param prefix prepended as is, for example the keeper's key prefix
     * @return {@code prefix} followed by the 43-character digest
     */
    public String storageKey(String prefix) {
        byte[] scopeBytes = scope.getBytes(StandardCharsets.UTF_8);
        byte[] valueBytes = value.getBytes(StandardCharsets.UTF_8);
        MessageDigest digest = STORAGE_KEY_DIGEST.get();
        digest.reset();
        updateWithLength(digest, scopeBytes.length);
        digest.update(scopeBytes);
        digest.update(valueBytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest());
    }

    /** Feeds {@code length} to {@code digest} as four big-endian bytes, with no buffer to allocate. */
    static void updateWithLength(MessageDigest digest, int length) {
        digest.update((byte) (length >>> 24));
        digest.update((byte) (length >>> 16));
        digest.update((byte) (length >>> 8));
        digest.update((byte) length);
    }

    /** A fresh SHA-256 digest, cloned from a prototype: cheaper than a provider lookup per hash. */
    static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        }
        catch (CloneNotSupportedException ex) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every Java platform must support SHA-256", ex);
        }
    }

    /** Never the raw key: logs and exceptions must not reveal it. */
    @Override
    public String toString() {
        return "IdempotencyKey[scope and value hidden]";
    }
}
