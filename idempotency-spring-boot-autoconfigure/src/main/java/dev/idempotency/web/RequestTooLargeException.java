package dev.idempotency.web;

/** The body of a request with an idempotency key is larger than the configured maximum. Over HTTP: 413. */
public class RequestTooLargeException extends RuntimeException {

    public RequestTooLargeException(String message) {
        super(message);
    }
}
