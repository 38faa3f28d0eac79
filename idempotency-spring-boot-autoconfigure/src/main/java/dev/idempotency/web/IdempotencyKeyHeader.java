package dev.idempotency.web;

import java.util.Iterator;
import java.util.Objects;

/**
 * The {@code Idempotency-Key} request header (name configurable) and its rules, after
 * draft-ietf-httpapi-idempotency-key-header: the value is a structured-field Item whose bare item
 * is a String ({@code "abc"}, parameters such as {@code "abc";p=1} accepted and ignored), or for
 * lenience a bare value of visible ASCII without quotes, commas or spaces; exactly one header
 * line; not empty; at most {@code maxLength} characters.
 */
public final class IdempotencyKeyHeader {

    private final String name;
    private final int maxLength;

    public IdempotencyKeyHeader(String name, int maxLength) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("The idempotency key header name must not be blank");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("The maximum key length must be at least 1, was " + maxLength);
        }
        this.maxLength = maxLength;
    }

    /** The header's name. */
    public String name() {
        return name;
    }

    /**
     * Reads the key from the header lines of one request.
     *
     * @return the key, or {@code null} when the header is absent
     * @throws InvalidIdempotencyKeyException when the header is present but not a valid key
     */
    public String parse(Iterator<String> lines) {
        if (lines == null || !lines.hasNext()) {
            return null;
        }
        String line;
        try {
            line = lines.next();
        }
        catch (RuntimeException refused) {
            // A firewall refused to hand the value over (Spring Security's rejects control characters, 0x80 to 0x9F too).
            throw invalidCharacters();
        }
        if (lines.hasNext()) {
            throw new InvalidIdempotencyKeyException("Send the " + name + " header exactly once.");
        }
        String key = unwrap(line.strip());
        if (key.isEmpty()) {
            throw new InvalidIdempotencyKeyException("The " + name + " header is empty; send a unique key, for example a UUID.");
        }
        if (key.length() > maxLength) {
            throw new InvalidIdempotencyKeyException("The " + name + " header is longer than " + maxLength + " characters.");
        }
        return key;
    }

    private String unwrap(String value) {
        if (value.startsWith("\"")) {
            return parseStructuredString(value);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7F || c == '"' || c == ',') {
                throw invalidCharacters();
            }
        }
        return value;
    }

    /** An RFC 9651 Item whose bare item is an sf-string, its parameters dropped. */
    private String parseStructuredString(String value) {
        String key = StructuredString.parse(value);
        if (key == null) {
            throw invalidCharacters();
        }
        return key;
    }

    private InvalidIdempotencyKeyException invalidCharacters() {
        return new InvalidIdempotencyKeyException("The " + name + " header must be a quoted string (\"key\", "
                + "optionally with structured-field parameters) or a bare key of visible ASCII characters without "
                + "spaces, quotes or commas.");
    }
}
