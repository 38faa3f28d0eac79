package dev.idempotency.web;

import java.util.regex.Pattern;

/**
 * Checks the format of a key after the header rules passed. Define a bean of this type, or set
 * {@code idempotency.web.key-format=uuid}, to refuse keys that are not in the expected format.
 */
@FunctionalInterface
public interface IdempotencyKeyValidator {

    /**
     * Refuses {@code key} when it is not in the expected format.
     *
     * @param key the key, already within the header's rules
     * @throws InvalidIdempotencyKeyException with a message that says what format is expected
     */
    void validate(String key);

    /** {@return a validator that accepts every key} */
    static IdempotencyKeyValidator any() {
        return key -> {
        };
    }

    /**
     * {@return a validator that accepts only a UUID in its canonical text form, such as
     * {@code 8e03978e-40d5-43e8-bc93-6894a57f9324}, in either letter case}
     */
    static IdempotencyKeyValidator uuid() {
        Pattern uuid = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
        return key -> {
            if (!uuid.matcher(key).matches()) {
                throw new InvalidIdempotencyKeyException("The idempotency key must be a UUID, for example "
                        + "8e03978e-40d5-43e8-bc93-6894a57f9324.");
            }
        };
    }
}
