package dev.idempotency.web.reactive;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.web.ProblemResponse;
import dev.idempotency.web.ProblemResponses;
import dev.idempotency.web.Refusal;
import dev.idempotency.web.StoredResponse;

/** Writes what the library answers itself to a reactive response: problems ({@link ProblemResponses}) and replays. */
public final class ReactiveResponses {

    private final ProblemResponses problems;

    public ReactiveResponses(ProblemResponses problems) {
        this.problems = problems;
    }

    /** Writes {@code refusal} as the answer to the exchange's request, in place of anything the response held. */
    public Mono<Void> problem(ServerWebExchange exchange, Refusal refusal) {
        ProblemResponse problem = problems.render(refusal, exchange.getRequest().getPath().value());
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(problem.status()));
        for (StoredResponse.Header header : problem.headers()) {
            response.getHeaders().set(header.name(), header.value());
        }
        return write(response, problem.body());
    }

    /**
     * Writes {@code stored} as the answer to a retry, marked as a replay; when CORS processing
     * allowed this cross-origin request, lets browser scripts read the marker.
     */
    public Mono<Void> replay(ServerWebExchange exchange, StoredResponse stored) {
        ServerHttpResponse response = exchange.getResponse();
        HttpHeaders headers = response.getHeaders();
        response.setStatusCode(HttpStatusCode.valueOf(stored.status()));
        for (StoredResponse.Header header : stored.headers()) {
            headers.add(header.name(), header.value());
        }
        for (StoredResponse.Header mark : StoredResponse.REPLAY_MARKS) {
            headers.set(mark.name(), mark.value());
        }
        if (headers.getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN) != null) {
            headers.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS,
                    StoredResponse.exposingReplayMarker(headers.getFirst(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS)));
        }
        return write(response, stored.body());
    }

    private static Mono<Void> write(ServerHttpResponse response, byte[] body) {
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
