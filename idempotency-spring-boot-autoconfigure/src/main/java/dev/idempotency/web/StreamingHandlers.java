package dev.idempotency.web;

import java.util.List;

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

    private static final List<String> STREAMING_TYPES = List.of(ResponseBodyEmitter.class.getName(),
            StreamingResponseBody.class.getName(), "org.reactivestreams.Publisher");

    private StreamingHandlers() {
    }

    /** Whether {@code handler} streams its response. */
    public static boolean isStreaming(HandlerMethod handler) {
        MethodParameter returnType = handler.getReturnType();
        Class<?> type = returnType.getParameterType();
        if (HttpEntity.class.isAssignableFrom(type)) {
            type = returnType.nested().getNestedParameterType();
        }
        for (String streaming : STREAMING_TYPES) {
            ClassLoader loader = handler.getMethod().getDeclaringClass().getClassLoader();
            if (ClassUtils.isPresent(streaming, loader)
                    && ClassUtils.resolveClassName(streaming, loader).isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }
}
