package dev.idempotency.web;

/** The route requires an idempotency key and the request has none. Over HTTP: 400. */
public class MissingIdempotencyKeyException extends RuntimeException {

    /** @param message what the client should do, sent as the problem's {@code detail} */
    public MissingIdempotencyKeyException(String message) {
        super(message);
    }
}
