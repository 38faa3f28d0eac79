package dev.idempotency.web.reactive;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;

import dev.idempotency.web.StreamingHandlers;

/**
 * What streams in WebFlux: a multi-value reactive type such as {@code Flux} (server-sent events,
 * {@code application/x-ndjson}), also inside a {@code ResponseEntity} or a {@code Mono}. A
 * {@code Mono} of a value, and a plain value, are one response: stored and replayed.
 */
public final class ReactiveStreaming {

    private static final StreamingHandlers HANDLERS = new StreamingHandlers(
            type -> adapter(type) != null && adapter(type).isMultiValue(),
            type -> adapter(type) != null && !adapter(type).isMultiValue() && !adapter(type).isNoValue());

    private ReactiveStreaming() {
    }

    /** The streaming handlers of WebFlux. */
    public static StreamingHandlers handlers() {
        return HANDLERS;
    }

    private static ReactiveAdapter adapter(Class<?> type) {
        return ReactiveAdapterRegistry.getSharedInstance().getAdapter(type);
    }
}
