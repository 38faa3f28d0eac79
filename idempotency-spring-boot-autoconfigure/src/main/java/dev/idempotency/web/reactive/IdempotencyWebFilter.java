package dev.idempotency.web.reactive;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.ResponseRecorder;

/**
 * Marks the exchange of each request that carries an idempotency key and gives it a response
 * that captures the body once a handler claims the key ({@link CapturingResponse}); ends, as the
 * exchange ends, a claim that no response ended ({@link ReactiveExchange#exchangeEnded}).
 * Requests without the header pass as if the library were absent. Which handler a request
 * reaches is known only in the handler adapter, which claims ({@link ReactiveHandlerGuard}).
 */
public final class IdempotencyWebFilter implements WebFilter, Ordered {

    private final IdempotencyKeyHeader header;
    private final ResponseRecorder recorder;
    private final int order;

    /** @param order after Spring Security's WebFilter (-100), so the principal is known */
    public IdempotencyWebFilter(IdempotencyKeyHeader header, ResponseRecorder recorder, int order) {
        this.header = header;
        this.recorder = recorder;
        this.order = order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getHeaders().containsHeader(header.name())) {
            return chain.filter(exchange);
        }
        ReactiveExchange state = ReactiveExchange.start(exchange, recorder);
        ServerWebExchange capturing = exchange.mutate()
                .response(new CapturingResponse(exchange.getResponse(), state, recorder))
                .build();
        return chain.filter(capturing).doFinally(signal -> state.exchangeEnded(exchange.getResponse().getStatusCode()));
    }

    @Override
    public int getOrder() {
        return order;
    }
}
