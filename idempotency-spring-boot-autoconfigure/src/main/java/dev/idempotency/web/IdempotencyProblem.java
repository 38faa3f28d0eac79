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

    /** The last segment of the problem's type URI. */
    public String slug() {
        return slug;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }
}
