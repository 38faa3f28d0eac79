package dev.idempotency.web;

/** The idempotency key header is present but not a valid key. Over HTTP: 400. */
public class InvalidIdempotencyKeyException extends RuntimeException {

    /** @param message what the client should do, sent as the problem's {@code detail} */
    public InvalidIdempotencyKeyException(String message) {
        super(message);
    }
}
