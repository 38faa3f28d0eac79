package dev.idempotency.web;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.engine.IdempotencyClaimLostException;
import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.engine.IdempotentOutcomeUnknownException;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.storage.IdempotencyStorageException;

/**
 * The answer to a request this library refuses to run, or whose run it answers itself: which
 * problem, what the client should do, and how long it should wait. Every web stack answers the
 * same exception with the same refusal.
 *
 * @param retryAfter the {@code Retry-After} to send, or {@code null} for none
 */
public record Refusal(IdempotencyProblem problem, String detail, Duration retryAfter) {

    private static final Logger logger = LoggerFactory.getLogger(Refusal.class);

    /**
     * The refusal that answers {@code ex}, or {@code null} when {@code ex} is not one of this
     * library's outcomes.
     *
     * @param retryAfter sent with the 409 and 503 answers
     */
    public static Refusal of(Throwable ex, Duration retryAfter) {
        if (ex instanceof MissingIdempotencyKeyException) {
            return new Refusal(IdempotencyProblem.MISSING_KEY, ex.getMessage(), null);
        }
        if (ex instanceof InvalidIdempotencyKeyException) {
            return new Refusal(IdempotencyProblem.INVALID_KEY, ex.getMessage(), null);
        }
        if (ex instanceof MissingIdempotencyScopeException) {
            return new Refusal(IdempotencyProblem.MISSING_SCOPE, ex.getMessage(), null);
        }
        if (ex instanceof UnreadableRequestBodyException) {
            return new Refusal(IdempotencyProblem.UNREADABLE_BODY, ex.getMessage(), null);
        }
        if (ex instanceof RequestTooLargeException) {
            return new Refusal(IdempotencyProblem.REQUEST_TOO_LARGE, ex.getMessage(), null);
        }
        if (ex instanceof UnreplayableResponseException unreplayable) {
            return new Refusal(unreplayable.problem(), ex.getMessage(), null);
        }
        if (ex instanceof IdempotentRequestInProgressException) {
            return new Refusal(IdempotencyProblem.IN_PROGRESS,
                    "A request with this key is still being processed; retry later with the same key to get its result.",
                    retryAfter);
        }
        if (ex instanceof IdempotentOutcomeUnknownException) {
            return new Refusal(IdempotencyProblem.OUTCOME_UNKNOWN,
                    "The first request with this key started but never finished, so whether it took effect is "
                            + "unknown. It will not run again until the service's operators have checked it; "
                            + "retrying does not help.", null);
        }
        if (ex instanceof IdempotencyClaimLostException) {
            return new Refusal(IdempotencyProblem.IN_PROGRESS,
                    "This request outlasted its hold on the key and another request with the key took over, so its "
                            + "changes were rolled back; retry later with the same key to get that request's result.",
                    retryAfter);
        }
        if (ex instanceof IdempotencyKeyReusedException) {
            return new Refusal(IdempotencyProblem.KEY_REUSED,
                    "This key was already used for a different request; send a new key for a new request.", null);
        }
        if (ex instanceof IdempotencyStorageException) {
            logger.warn("Idempotency storage unavailable; answering 503: {}", ex.getMessage());
            return new Refusal(IdempotencyProblem.STORAGE_UNAVAILABLE,
                    "The request was not processed; retry later with the same key.", retryAfter);
        }
        return null;
    }

    /** An exception escaped the handler and, with store-server-errors, its outcome is stored as this 500. */
    public static Refusal handlerFailed() {
        return new Refusal(IdempotencyProblem.HANDLER_FAILED,
                "The request failed and will not run again with this key; send a new key to try again.", null);
    }
}
