package dev.idempotency.benchmarks.floor;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Makes a {@code POST} with an {@code Idempotency-Key} idempotent with nothing but the store's
 * own commands: claims the key, and when the claim is won runs the request, holds its response
 * and stores it before sending it; when the key holds a response, sends that instead; when it
 * holds a claim, answers 409. No fingerprint, no validation, no lease renewal, no metrics: what a
 * hand-written filter that trusts its clients would do, the floor of what the library can cost.
 */
final class StoreFloorFilter implements Filter {

    private static final String HEADER = "Idempotency-Key";

    private final FloorStore store;

    StoreFloorFilter(FloorStore store) {
        this.store = store;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String key = request instanceof HttpServletRequest http && "POST".equals(http.getMethod())
                ? http.getHeader(HEADER) : null;
        if (key == null) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse httpResponse = (HttpServletResponse) response;
        FloorStore.Claim claim = store.claim(key);
        if (!claim.won()) {
            FloorResponse stored = FloorResponse.decode(claim.held());
            if (stored == null) {
                httpResponse.sendError(HttpServletResponse.SC_CONFLICT);
            }
            else {
                stored.replayTo(httpResponse);
            }
            return;
        }
        ContentCachingResponseWrapper held = new ContentCachingResponseWrapper(httpResponse);
        chain.doFilter(request, held);
        store.complete(claim, new FloorResponse(held.getStatus(), held.getContentType(), held.getHeader("Location"),
                held.getContentAsByteArray()).encode());
        held.copyBodyToResponse();
    }
}
