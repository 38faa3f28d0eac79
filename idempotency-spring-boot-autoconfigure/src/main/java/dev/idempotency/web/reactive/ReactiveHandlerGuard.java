package dev.idempotency.web.reactive;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.Refusal;

/**
 * The WebFlux side of {@link HandlerAdmission}: claims the request's key when a protected handler
 * method is invoked, after WebFlux resolved and validated its arguments ({@link ArgumentCapture}),
 * without blocking: the body is read once, up to {@code max-request-size}, before the arguments
 * are resolved from it; the scope comes from the reactive resolver; the claim is the engine's
 * asynchronous one. The handler runs only once the claim allows it; a retry is answered with the
 * stored response, a refusal with its problem response.
 */
public final class ReactiveHandlerGuard {

    private final HandlerAdmission admission;
    private final ReactiveIdempotencyScopeResolver scopeResolver;
    private final ReactiveResponses responses;
    private final Duration retryAfter;
    private final ArgumentCapture arguments = new ArgumentCapture();

    /** @param retryAfter the {@code Retry-After} sent with 409 and 503 answers */
    public ReactiveHandlerGuard(HandlerAdmission admission, ReactiveIdempotencyScopeResolver scopeResolver,
            ReactiveResponses responses, Duration retryAfter) {
        this.admission = admission;
        this.scopeResolver = scopeResolver;
        this.responses = responses;
        this.retryAfter = retryAfter;
    }

    /**
     * Handles {@code exchange} with {@code handler} through {@code adapter} (the handler adapter's
     * own handling), claiming its key first when its route is protected.
     *
     * @param blockingExecutor where the handler method runs once claimed, as WebFlux runs a
     *     blocking one; {@code null} to run it where the claim answered
     */
    public Mono<HandlerResult> handle(ServerWebExchange exchange, HandlerMethod handler, Executor blockingExecutor,
            BiFunction<ServerWebExchange, HandlerMethod, Mono<HandlerResult>> adapter) {
        HandlerAdmission.HandlerTraits traits = admission.traitsOf(handler);
        ServerHttpRequest request = exchange.getRequest();
        IdempotentRoutes.Protection protection = admission.protectionOf(traits, request.getMethod().name(),
                () -> request.getPath().pathWithinApplication());
        List<String> lines = request.getHeaders().get(admission.header().name());
        ReactiveExchange state = ReactiveExchange.of(exchange);
        if (protection == IdempotentRoutes.Protection.NONE
                || (lines == null && protection == IdempotentRoutes.Protection.KEY_OPTIONAL)
                || (state != null && !state.admit())) {
            return adapter.apply(exchange, handler);
        }
        if (lines != null && state == null) {
            return Mono.error(new IllegalStateException("A request with an idempotency key reached a protected "
                    + "handler without passing the IdempotencyWebFilter: register it as a WebFilter"));
        }
        Mono<RequestBody> body = lines == null || !HandlerAdmission.readsBody(traits, protection)
                ? Mono.just(RequestBody.NOT_READ) : RequestBody.read(request, admission.maxRequestBytes());
        return body.flatMap(read -> {
            if (read.tooLarge()) {
                return admit(exchange, traits, protection, lines, read).then(Mono.empty());
            }
            ServerWebExchange bound = read.bytes() == null ? exchange
                    : exchange.mutate().request(read.replayedTo(request)).build();
            return adapter.apply(bound, arguments.capturing(handler)).flatMap(bindings -> {
                Object[] args = ArgumentCapture.take(handler);
                if (args == null) {
                    return Mono.just(bindings);
                }
                return admit(exchange, traits, protection, lines, read)
                        .flatMap(admitted -> blockingExecutor == null || admitted.replay() != null
                                ? run(exchange, handler, state, admitted, bindings, args)
                                : Mono.defer(() -> run(exchange, handler, state, admitted, bindings, args))
                                        .subscribeOn(Schedulers.fromExecutor(blockingExecutor)));
            });
        });
    }

    /**
     * The claim's admission, or an empty answer once a refusal has been written as its problem
     * response. A request that runs unprotected is admitted without a claim.
     */
    private Mono<HandlerAdmission.Admission> admit(ServerWebExchange exchange, HandlerAdmission.HandlerTraits traits,
            IdempotentRoutes.Protection protection, List<String> lines, RequestBody read) {
        Mono<Scope> scope = scopeResolver.scopeOf(exchange).map(Scope::of).defaultIfEmpty(Scope.of(""))
                .onErrorResume(RuntimeException.class, ex -> Mono.just(Scope.failed(ex)));
        return scope.flatMap(resolved -> {
            IdempotencyKey key = admission.keyOf(protection, traits, lines == null ? null : lines.iterator(),
                    read::requireWithinLimit, resolved::get);
            if (key == null) {
                return Mono.just(new HandlerAdmission.Admission(null, null));
            }
            CompletableFuture<HandlerAdmission.Admission> claimed = admission.claimAsync(key,
                    () -> read.fingerprint(exchange.getRequest()), traits).toCompletableFuture();
            ReactiveExchange state = ReactiveExchange.of(exchange);
            // Owned as soon as the claim answers, even when its client is gone by then: the state releases it.
            claimed.thenAccept(admitted -> {
                if (admitted.owned() != null) {
                    state.own(admitted.owned());
                }
            });
            return Mono.fromFuture(claimed, true);
        }).onErrorResume(ex -> {
            Refusal refusal = Refusal.of(ex, retryAfter);
            return refusal == null ? Mono.error(ex) : responses.problem(exchange, refusal).then(Mono.empty());
        });
    }

    /** Runs the handler under its admission, or replays the stored response. */
    private Mono<HandlerResult> run(ServerWebExchange exchange, HandlerMethod handler, ReactiveExchange state,
            HandlerAdmission.Admission admitted, HandlerResult bindings, Object[] args) {
        if (admitted.replay() != null) {
            return responses.replay(exchange, admitted.replay()).then(Mono.empty());
        }
        Object value;
        try {
            // The claim fences the transactions the method runs on this thread, as on the servlet path.
            value = admitted.owned() == null ? ArgumentCapture.invoke(handler, args)
                    : admitted.owned().runAsCurrent(() -> ArgumentCapture.invoke(handler, args));
        }
        catch (Throwable failure) {
            return bindings.getExceptionHandler() != null
                    ? bindings.getExceptionHandler().handleError(exchange, failure) : Mono.error(failure);
        }
        ReactiveAdapter reactive = value == null ? null
                : ReactiveAdapterRegistry.getSharedInstance().getAdapter(value.getClass());
        if (reactive != null && state != null && state.ownedKey() != null) {
            // Subscribed on its own: the client going away neither stops the work nor releases its key.
            CompletableFuture<Object> work = Mono.from(reactive.toPublisher(value)).toFuture();
            work.thenRun(state::handlerReturned);
            state.workStarted(work);
            value = reactive.fromPublisher(Mono.fromFuture(work, true));
        }
        else if (state != null) {
            state.handlerReturned();
        }
        return Mono.just(new HandlerResult(bindings.getHandler(), value, bindings.getReturnTypeSource(),
                bindings.getBindingContext()).setExceptionHandler(bindings.getExceptionHandler()));
    }

    /** The request's scope, or why it has none, resolved before the key's rules ask for it. */
    private record Scope(String value, RuntimeException failure) {

        static Scope of(String value) {
            return new Scope(value, null);
        }

        static Scope failed(RuntimeException failure) {
            return new Scope(null, failure);
        }

        String get() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }
}
