package dev.idempotency.web;

/**
 * The response of a protected handler cannot be replayed: the request ran but its response was
 * not kept (larger than {@code idempotency.web.max-response-size}, or it could not be written; a
 * retry gets 409, and the request will not run again), or the handler streams (501).
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
