package dev.idempotency.web;

import java.util.List;
import java.util.stream.Stream;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpEntity;
import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Recognizes handlers that stream their response ({@code SseEmitter}, {@code ResponseBodyEmitter},
 * {@code StreamingResponseBody}, a Reactive Streams {@code Publisher} such as {@code Flux}, or a
 * {@code ResponseEntity} of one): such a response is written over time and cannot be stored and
 * replayed.
 */
public final class StreamingHandlers {

    /** Resolved once: a class lookup per request would cost more than the check itself. */
    private static final List<Class<?>> STREAMING_TYPES = Stream.concat(
            Stream.of(ResponseBodyEmitter.class, StreamingResponseBody.class),
            publisherType().stream()).toList();

    private StreamingHandlers() {
    }

    /** Whether {@code handler} streams its response. */
    public static boolean isStreaming(HandlerMethod handler) {
        MethodParameter returnType = handler.getReturnType();
        Class<?> type = returnType.getParameterType();
        if (HttpEntity.class.isAssignableFrom(type)) {
            type = returnType.nested().getNestedParameterType();
        }
        for (Class<?> streaming : STREAMING_TYPES) {
            if (streaming.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static List<Class<?>> publisherType() {
        ClassLoader loader = StreamingHandlers.class.getClassLoader();
        String publisher = "org.reactivestreams.Publisher";
        return ClassUtils.isPresent(publisher, loader) ? List.of(ClassUtils.resolveClassName(publisher, loader))
                : List.of();
    }
}
