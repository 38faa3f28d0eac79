package dev.idempotency.web;

/** A form body with a key cannot be decoded, so it cannot be fingerprinted. Over HTTP: 400. */
public class UnreadableRequestBodyException extends RuntimeException {

    public UnreadableRequestBodyException(String message) {
        super(message);
    }
}
