package dev.idempotency.web;

/** A form body with a key cannot be decoded, so it cannot be fingerprinted. Over HTTP: 400. */
public class UnreadableRequestBodyException extends RuntimeException {

    /** @param message what the client should do, sent as the problem's {@code detail} */
    public UnreadableRequestBodyException(String message) {
        super(message);
    }
}
