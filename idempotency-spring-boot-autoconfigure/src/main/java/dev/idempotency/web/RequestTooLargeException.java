package dev.idempotency.web;

/** The body of a request with an idempotency key is larger than the configured maximum. Over HTTP: 413. */
public class RequestTooLargeException extends RuntimeException {

    /** @param message what the client should do, sent as the problem's {@code detail} */
    public RequestTooLargeException(String message) {
        super(message);
    }

    /**
     * {@return the refusal of a body larger than {@code maxBytes}}
     *
     * @param maxBytes the most bytes a body with a key may have
     */
    public static RequestTooLargeException above(long maxBytes) {
        return new RequestTooLargeException("The request body is larger than " + maxBytes
                + " bytes, the most this operation accepts with an idempotency key.");
    }
}
