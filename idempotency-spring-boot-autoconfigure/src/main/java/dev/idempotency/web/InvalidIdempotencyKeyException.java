package dev.idempotency.web;

/** The idempotency key header is present but not a valid key. Over HTTP: 400. */
public class InvalidIdempotencyKeyException extends RuntimeException {

    public InvalidIdempotencyKeyException(String message) {
        super(message);
    }
}
