package dev.idempotency.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.web.servlet.IdempotentRequestMappingHandlerAdapter;
import dev.idempotency.web.servlet.ServletStreaming;

/**
 * Fails start-up when protected handlers would silently run unprotected or be claimed twice:
 * Spring MVC's handler adapter is not the idempotent one (an application's own
 * {@code WebMvcRegistrations} replaced it), or a controller method names a SpEL key.
 */
final class IdempotentHandlerSetupCheck {

    private final ApplicationContext context;

    IdempotentHandlerSetupCheck(ApplicationContext context) {
        this.context = context;
    }

    void verify() {
        for (RequestMappingHandlerAdapter adapter : context.getBeansOfType(RequestMappingHandlerAdapter.class).values()) {
            if (!(adapter instanceof IdempotentRequestMappingHandlerAdapter)) {
                throw new IllegalStateException("Spring MVC's RequestMappingHandlerAdapter is a "
                        + adapter.getClass().getName() + ", so @Idempotent handlers would run unprotected. "
                        + "If you define WebMvcRegistrations, return an IdempotentRequestMappingHandlerAdapter "
                        + "(or a subclass) from getRequestMappingHandlerAdapter().");
            }
        }
        List<String> keyedHandlers = new ArrayList<>();
        List<String> streamingHandlers = new ArrayList<>();
        for (RequestMappingHandlerMapping mapping : context.getBeansOfType(RequestMappingHandlerMapping.class).values()) {
            for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
                Idempotent idempotent = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), Idempotent.class);
                if (idempotent != null && !idempotent.key().isEmpty()) {
                    keyedHandlers.add(handler.getShortLogMessage());
                }
                if (idempotent != null && ServletStreaming.handlers().isStreaming(handler)) {
                    streamingHandlers.add(handler.getShortLogMessage());
                }
            }
        }
        if (!keyedHandlers.isEmpty()) {
            throw new IllegalStateException("@Idempotent(key = ...) is for bean methods; on a controller method the key "
                    + "comes from the request header. Remove the key from: " + keyedHandlers);
        }
        if (!streamingHandlers.isEmpty()) {
            throw new IllegalStateException("@Idempotent cannot protect a handler that streams its response (SseEmitter, "
                    + "ResponseBodyEmitter, StreamingResponseBody, Flux): a stream is written over time and cannot be "
                    + "stored and replayed. Remove @Idempotent from: " + streamingHandlers);
        }
    }
}
