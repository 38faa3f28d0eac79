package dev.idempotency.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.idempotency.engine.Takeover;

/**
 * Makes a method safe to retry: it runs at most once per idempotency key, and a retry with the
 * same key gets the first call's result.
 *
 * <p>On a controller handler method, the key comes from the {@code Idempotency-Key} request
 * header and the stored result is the HTTP response; leave {@link #key()} empty. On any other
 * Spring bean method, {@link #key()} is a SpEL expression over the arguments (for example
 * {@code #order.id} or {@code #p0}) and the stored result is the return value, written with
 * Jackson and read back as the method's declared return type (for a {@code CompletableFuture} or
 * {@code CompletionStage}, the value it completes with). The annotation may also sit on the
 * interface or superclass method that the bean's method implements or overrides.
 *
 * <p>Start-up fails, naming the method, when an annotated method cannot be protected: for
 * example one that is private, final or static, one without a key that is not a Spring MVC handler
 * method, or one whose key expression reads a name that is not a parameter.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Idempotent {

    /** {@return the SpEL expression for the key of a bean method; empty on controller methods} */
    String key() default "";

    /**
     * {@return whether an HTTP request without the key header is refused with 400} When
     * {@code false}, such a request runs unprotected.
     */
    boolean required() default true;

    /**
     * {@return what a duplicate gets while the first call with its key still runs} Overrides
     * {@code idempotency.in-progress}.
     */
    InProgress inProgress() default InProgress.DEFAULT;

    /**
     * {@return what happens to the key when its first call started and never finished (its
     * instance died or stalled past the lease)} Overrides {@code idempotency.takeover}. {@link Takeover#NEVER}
     * refuses every retry until an operator evicts the key, for work that must not run twice even
     * when its first run's outcome is unknown (a payment that may have reached the bank).
     */
    Takeover takeover() default Takeover.DEFAULT;
}
