package dev.idempotency.web.reactive;

import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

/**
 * WebFlux's handler adapter with the idempotency claim when a protected handler method is
 * invoked ({@link ReactiveHandlerGuard}). Registered through {@code WebFluxRegistrations}; an
 * application with its own registrations must return this adapter (or a subclass) from
 * {@code getRequestMappingHandlerAdapter()}. A blocking executor configured for WebFlux
 * ({@code WebFluxConfigurer#configureBlockingExecution}) runs a protected method too, once its
 * claim allows it.
 */
public class IdempotentReactiveHandlerAdapter extends RequestMappingHandlerAdapter {

    private final Supplier<ReactiveHandlerGuard> guard;
    private Executor blockingExecutor;
    private Predicate<HandlerMethod> blockingMethods = IdempotentReactiveHandlerAdapter::returnsPlainValue;

    /** @param guard resolved on first use, so the adapter can be created before the engine */
    public IdempotentReactiveHandlerAdapter(Supplier<ReactiveHandlerGuard> guard) {
        this.guard = guard;
    }

    /** Also runs the protected handler methods that the predicate picks on {@code executor}, once claimed. */
    @Override
    public void setBlockingExecutor(Executor executor) {
        super.setBlockingExecutor(executor);
        this.blockingExecutor = executor;
    }

    @Override
    public void setBlockingMethodPredicate(Predicate<HandlerMethod> predicate) {
        super.setBlockingMethodPredicate(predicate);
        this.blockingMethods = predicate;
    }

    @Override
    public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
        HandlerMethod method = (HandlerMethod) handler;
        Executor executor = blockingExecutor != null && blockingMethods.test(method) ? blockingExecutor : null;
        return guard.get().handle(exchange, method, executor, (bound, capturing) -> super.handle(bound, capturing));
    }

    /** WebFlux's default choice of the methods it runs on the blocking executor: those that return no promise. */
    private static boolean returnsPlainValue(HandlerMethod method) {
        return ReactiveAdapterRegistry.getSharedInstance().getAdapter(method.getReturnType().getParameterType()) == null;
    }
}
