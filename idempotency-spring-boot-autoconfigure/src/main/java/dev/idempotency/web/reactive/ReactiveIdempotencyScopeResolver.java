package dev.idempotency.web.reactive;

import java.security.Principal;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.web.MissingIdempotencyScopeException;
import dev.idempotency.web.TenantHeaderScope;

/**
 * Decides the scope of a request's idempotency key in a WebFlux application: two requests share a
 * key only when they share a scope, so one client never receives another client's response.
 * Define a bean of this type to replace the built-in choice ({@code idempotency.web.scope}).
 */
@FunctionalInterface
public interface ReactiveIdempotencyScopeResolver {

    /**
     * The scope of the exchange's request, for example the authenticated principal's name or a
     * tenant id; never blocks.
     *
     * @return the scope, or an error {@link MissingIdempotencyScopeException} when the request
     *     carries no scope where one is required
     */
    Mono<String> scopeOf(ServerWebExchange exchange);

    /** The authenticated principal's name ({@link ServerWebExchange#getPrincipal}); empty when anonymous. */
    static ReactiveIdempotencyScopeResolver principal() {
        return exchange -> exchange.getPrincipal().map(Principal::getName).defaultIfEmpty("");
    }

    /** The value of {@code headerName}; a request without it is refused with 400. */
    static ReactiveIdempotencyScopeResolver header(String headerName) {
        TenantHeaderScope tenant = new TenantHeaderScope(headerName);
        return exchange -> Mono.fromCallable(() -> tenant.scopeOf(exchange.getRequest().getHeaders().getFirst(headerName)));
    }
}
