package dev.idempotency.web;

/** The route requires an idempotency key and the request has none. Over HTTP: 400. */
public class MissingIdempotencyKeyException extends RuntimeException {

    public MissingIdempotencyKeyException(String message) {
        super(message);
    }
}
