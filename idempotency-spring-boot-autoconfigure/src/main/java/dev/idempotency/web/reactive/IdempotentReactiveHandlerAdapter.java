package dev.idempotency.web.reactive;

import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

/**
 * WebFlux's handler adapter with the idempotency claim when a protected handler method is
 * invoked ({@link ReactiveHandlerGuard}). Registered through {@code WebFluxRegistrations}; an
 * application with its own registrations must return this adapter (or a subclass) from
 * {@code getRequestMappingHandlerAdapter()}.
 */
public class IdempotentReactiveHandlerAdapter extends RequestMappingHandlerAdapter {

    private final Supplier<ReactiveHandlerGuard> guard;

    /** @param guard resolved on first use, so the adapter can be created before the engine */
    public IdempotentReactiveHandlerAdapter(Supplier<ReactiveHandlerGuard> guard) {
        this.guard = guard;
    }

    @Override
    public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
        return guard.get().handle(exchange, (HandlerMethod) handler, (bound, method) -> super.handle(bound, method));
    }
}
