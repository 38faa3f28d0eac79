package dev.idempotency.web.servlet;

import java.util.List;
import java.util.stream.Stream;

import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import dev.idempotency.web.StreamingHandlers;

/**
 * What streams in Spring MVC: {@code SseEmitter}, {@code ResponseBodyEmitter},
 * {@code StreamingResponseBody}, a Reactive Streams {@code Publisher} such as {@code Flux}, or a
 * {@code ResponseEntity} of one.
 */
public final class ServletStreaming {

    /** Resolved once: a class lookup per request would cost more than the check itself. */
    private static final List<Class<?>> STREAMING_TYPES = Stream.concat(
            Stream.of(ResponseBodyEmitter.class, StreamingResponseBody.class),
            publisherType().stream()).toList();

    private static final StreamingHandlers HANDLERS = new StreamingHandlers(ServletStreaming::streams, type -> false);

    private ServletStreaming() {
    }

    /** The streaming handlers of Spring MVC. */
    public static StreamingHandlers handlers() {
        return HANDLERS;
    }

    private static boolean streams(Class<?> type) {
        for (Class<?> streaming : STREAMING_TYPES) {
            if (streaming.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static List<Class<?>> publisherType() {
        ClassLoader loader = ServletStreaming.class.getClassLoader();
        String publisher = "org.reactivestreams.Publisher";
        return ClassUtils.isPresent(publisher, loader) ? List.of(ClassUtils.resolveClassName(publisher, loader))
                : List.of();
    }
}
