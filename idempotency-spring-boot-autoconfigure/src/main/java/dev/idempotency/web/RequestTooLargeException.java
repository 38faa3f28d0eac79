package dev.idempotency.web;

/** The body of a request with an idempotency key is larger than the configured maximum. Over HTTP: 413. */
public class RequestTooLargeException extends RuntimeException {

    public RequestTooLargeException(String message) {
        super(message);
    }

    /** The refusal of a body larger than {@code maxBytes}. */
    public static RequestTooLargeException above(long maxBytes) {
        return new RequestTooLargeException("The request body is larger than " + maxBytes
                + " bytes, the most this operation accepts with an idempotency key.");
    }
}
