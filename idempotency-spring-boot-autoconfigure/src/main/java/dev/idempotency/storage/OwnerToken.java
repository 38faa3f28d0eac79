package dev.idempotency.storage;

import java.util.Objects;

/**
 * Proof of one successful claim. Unique per claim, across instances sharing a store; the storage
 * checks it on every owner-only operation so that a holder whose lease ended cannot change what a
 * newer owner wrote.
 */
public record OwnerToken(String value) {

    /**
     * Checks the token.
     *
     * @param value the token's text, unique per claim
     * @throws NullPointerException when {@code value} is {@code null}
     */
    public OwnerToken {
        Objects.requireNonNull(value, "value");
    }
}
