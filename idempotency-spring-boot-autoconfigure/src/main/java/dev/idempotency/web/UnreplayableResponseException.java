package dev.idempotency.web;

/**
 * The response of a protected handler cannot be replayed: the request ran but its response was
 * not kept (larger than {@code idempotency.web.max-response-size}, or it could not be written; a
 * retry gets 409, and the request will not run again), or the handler streams (501).
 */
public class UnreplayableResponseException extends RuntimeException {

    /** The problem to answer with. */
    private final IdempotencyProblem problem;

    /**
     * Creates the exception.
     *
     * @param problem the problem to answer with: {@link IdempotencyProblem#RESPONSE_NOT_REPLAYABLE}
     *     or {@link IdempotencyProblem#STREAMING_NOT_SUPPORTED}
     * @param message what the client should do, sent as the problem's {@code detail}
     */
    public UnreplayableResponseException(IdempotencyProblem problem, String message) {
        super(message);
        this.problem = problem;
    }

    /** {@return the problem to answer with} */
    public IdempotencyProblem problem() {
        return problem;
    }
}
