package dev.idempotency.web;

/**
 * The response of a protected handler cannot be stored for replay: it was larger than
 * {@code idempotency.web.max-response-size} (a retry gets 409: the request ran, and will not run
 * again), or the handler streams (501).
 */
public class UnreplayableResponseException extends RuntimeException {

    private final IdempotencyProblem problem;

    public UnreplayableResponseException(IdempotencyProblem problem, String message) {
        super(message);
        this.problem = problem;
    }

    /** The problem to answer with. */
    public IdempotencyProblem problem() {
        return problem;
    }
}
