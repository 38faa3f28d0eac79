package dev.idempotency.web;

/** The request carries no scope (for example no tenant header) where one is required. Over HTTP: 400. */
public class MissingIdempotencyScopeException extends RuntimeException {

    /** @param message what the client should do, sent as the problem's {@code detail} */
    public MissingIdempotencyScopeException(String message) {
        super(message);
    }
}
