package dev.idempotency.web;

import java.util.function.Predicate;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpEntity;
import org.springframework.web.method.HandlerMethod;

/**
 * Recognizes handlers that stream their response: such a response is written over time and
 * cannot be stored and replayed. What streams depends on the web stack (an {@code SseEmitter} in
 * Spring MVC, a {@code Flux} in WebFlux); the rule, looking through a {@code ResponseEntity} and
 * the stack's wrappers of one value to the body type, is the same.
 */
public final class StreamingHandlers {

    private final Predicate<Class<?>> streams;
    private final Predicate<Class<?>> wrapsOneValue;

    /**
     * @param streams whether a body of a type streams
     * @param wrapsOneValue whether a type is the promise of one value (a {@code Mono} in WebFlux),
     *     whose value type decides
     */
    public StreamingHandlers(Predicate<Class<?>> streams, Predicate<Class<?>> wrapsOneValue) {
        this.streams = streams;
        this.wrapsOneValue = wrapsOneValue;
    }

    /** Whether {@code handler} streams its response. */
    public boolean isStreaming(HandlerMethod handler) {
        MethodParameter returnType = handler.getReturnType();
        Class<?> type = returnType.getParameterType();
        while (HttpEntity.class.isAssignableFrom(type) || wrapsOneValue.test(type)) {
            returnType = returnType.nested();
            type = returnType.getNestedParameterType();
        }
        return streams.test(type);
    }
}
