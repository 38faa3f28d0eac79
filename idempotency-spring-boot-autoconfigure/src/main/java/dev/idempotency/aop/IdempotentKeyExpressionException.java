package dev.idempotency.aop;

/**
 * The key expression of an {@code @Idempotent} method gave no key for a call: it could not be
 * evaluated over the arguments (the SpEL failure is the cause), or it evaluated to {@code null} or
 * an empty text. The method did not run. The message names the method and the expression, never
 * the arguments.
 */
public class IdempotentKeyExpressionException extends IllegalArgumentException {

    public IdempotentKeyExpressionException(String message) {
        super(message);
    }

    public IdempotentKeyExpressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
