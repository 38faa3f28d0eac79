package dev.idempotency.aop;

/**
 * The key expression of an {@code @Idempotent} method gave no key for a call: it could not be
 * evaluated over the arguments (the SpEL failure is the cause), or it evaluated to {@code null} or
 * an empty text. The method did not run. The message names the method and the expression, never
 * the arguments.
 */
public class IdempotentKeyExpressionException extends IllegalArgumentException {

    /**
     * A key expression that evaluated to no key.
     *
     * @param message names the method and the expression
     */
    public IdempotentKeyExpressionException(String message) {
        super(message);
    }

    /**
     * A key expression that could not be evaluated.
     *
     * @param message names the method and the expression
     * @param cause the SpEL failure
     */
    public IdempotentKeyExpressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
