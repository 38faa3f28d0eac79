package dev.idempotency.web;

import org.springframework.http.HttpStatus;

/**
 * Each answer this library gives instead of running a handler, with its stable problem
 * {@code type} (RFC 9457), status and title.
 */
public enum IdempotencyProblem {

    /** The route requires a key and the request has none. */
    MISSING_KEY("missing-key", HttpStatus.BAD_REQUEST, "Idempotency key missing"),

    /** The key header is malformed, empty, too long or repeated. */
    INVALID_KEY("invalid-key", HttpStatus.BAD_REQUEST, "Idempotency key invalid"),

    /** The first request with this key is still running. */
    IN_PROGRESS("request-in-progress", HttpStatus.CONFLICT, "Request in progress"),

    /**
     * The first request with this key started and never finished, and the key is never taken
     * over: an operator must decide whether it took effect.
     */
    OUTCOME_UNKNOWN("outcome-unknown", HttpStatus.CONFLICT, "Outcome unknown"),

    /** The route keeps keys per tenant (or another scope) and the request carries none. */
    MISSING_SCOPE("missing-scope", HttpStatus.BAD_REQUEST, "Idempotency scope missing"),

    /** A form body with a key cannot be decoded, so it cannot be fingerprinted. */
    UNREADABLE_BODY("unreadable-body", HttpStatus.BAD_REQUEST, "Request body unreadable"),

    /** The body of a request with a key is larger than the configured maximum. */
    REQUEST_TOO_LARGE("request-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request too large"),

    /**
     * The key's request was processed, but there is no response to replay: it was larger than the
     * limit, or it could not be written, or it was produced after its client had been answered.
     */
    RESPONSE_NOT_REPLAYABLE("response-not-replayable", HttpStatus.CONFLICT, "Response not replayable"),

    /** The handler streams its response, which cannot be stored or replayed. */
    STREAMING_NOT_SUPPORTED("streaming-not-supported", HttpStatus.NOT_IMPLEMENTED, "Streaming handler not idempotent"),

    /** An exception escaped the handler and its outcome was stored (idempotency.web.store-server-errors). */
    HANDLER_FAILED("handler-failed", HttpStatus.INTERNAL_SERVER_ERROR, "Request failed"),

    /** The key was used before with a different request. */
    KEY_REUSED("key-reused", HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused"),

    /** The idempotency storage did not answer. */
    STORAGE_UNAVAILABLE("storage-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Idempotency storage unavailable");

    private final String slug;
    private final HttpStatus status;
    private final String title;

    IdempotencyProblem(String slug, HttpStatus status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    /** {@return the last segment of the problem's type URI} */
    public String slug() {
        return slug;
    }

    /** {@return the HTTP status the problem is answered with} */
    public HttpStatus status() {
        return status;
    }

    /** {@return the problem's short, human-readable summary} */
    public String title() {
        return title;
    }
}
