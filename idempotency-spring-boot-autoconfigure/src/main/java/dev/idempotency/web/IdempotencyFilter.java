package dev.idempotency.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import org.springframework.web.util.WebUtils;

/**
 * Prepares requests that carry an idempotency key: reads the body once so it can be
 * fingerprinted, captures the response, and when the handler claimed the key, ends the claim once
 * the response is complete (stored per {@link ResponseStoragePolicy}, else released) before the
 * response reaches the client. The claim itself is made when the handler starts
 * ({@link IdempotentHandlerGuard}). The stored result does not depend on the client still being
 * connected. Requests without the header pass through untouched.
 */
public final class IdempotencyFilter extends OncePerRequestFilter {

    private final IdempotencyKeyHeader header;
    private final ResponseStoragePolicy policy;
    private final ReplayedHeaders replayedHeaders;

    public IdempotencyFilter(IdempotencyKeyHeader header, ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders) {
        this.header = header;
        this.policy = policy;
        this.replayedHeaders = replayedHeaders;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        ContentCachingResponseWrapper captured;
        if (exchange == null) {
            if (request.getHeader(header.name()) == null) {
                chain.doFilter(request, response);
                return;
            }
            if (isForm(request)) {
                exchange = IdempotentExchange.start(request, null);
            }
            else {
                byte[] body = request.getInputStream().readAllBytes();
                exchange = IdempotentExchange.start(request, body);
                request = new CachedBodyRequest(request, body);
            }
            captured = new ContentCachingResponseWrapper(response);
        }
        else {
            captured = WebUtils.getNativeResponse(response, ContentCachingResponseWrapper.class);
        }
        try {
            chain.doFilter(request, captured);
        }
        catch (IOException | ServletException | RuntimeException | Error ex) {
            exchange.fail(ex);
            throw ex;
        }
        if (!request.isAsyncStarted()) {
            exchange.finish(captured, policy, replayedHeaders);
            captured.copyBodyToResponse();
        }
    }

    private static boolean isForm(HttpServletRequest request) {
        String contentType = request.getContentType();
        if (contentType == null) {
            return false;
        }
        try {
            return MediaType.APPLICATION_FORM_URLENCODED.includes(MediaType.parseMediaType(contentType));
        }
        catch (InvalidMediaTypeException ex) {
            return false;
        }
    }
}
