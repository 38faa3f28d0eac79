package dev.idempotency.autoconfigure;

import java.util.List;

/**
 * {@code @Idempotent} methods the starter cannot protect: each would run unprotected (every call
 * executing) or fail on every call. Start-up fails with this exception rather than let anyone
 * believe such a method is protected.
 */
public class UnprotectedIdempotentMethodsException extends IllegalStateException {

    /** One line per method: its signature, then why it cannot be protected. */
    private final List<String> problems;

    /** @param problems one line per method: its signature, then why it cannot be protected */
    public UnprotectedIdempotentMethodsException(List<String> problems) {
        super("@Idempotent cannot protect " + (problems.size() == 1 ? "this method" : "these methods")
                + ", which would run unprotected or fail on every call:\n - " + String.join("\n - ", problems));
        this.problems = List.copyOf(problems);
    }

    /** {@return one line per method: its signature, then why it cannot be protected} */
    public List<String> getProblems() {
        return problems;
    }
}
