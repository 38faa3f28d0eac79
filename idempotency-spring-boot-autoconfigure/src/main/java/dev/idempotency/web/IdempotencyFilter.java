package dev.idempotency.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import org.springframework.web.util.WebUtils;

/**
 * Prepares requests that carry an idempotency key: reads the body once (up to the size limit) so
 * it can be fingerprinted, captures the response, and when the handler claimed the key, ends the
 * claim once the response is complete (stored per {@link ResponseStoragePolicy}, else released)
 * before the response reaches the client. The claim itself is made when the handler starts
 * ({@link IdempotentHandlerGuard}). The stored result does not depend on the client still being
 * connected. Requests without the header pass through untouched.
 */
public final class IdempotencyFilter extends OncePerRequestFilter {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyFilter.class);

    /**
     * The largest declared length read into an array allocated up front. A larger body is read as
     * it arrives: a client that declares a megabyte and sends nothing must not make its connection
     * hold a megabyte.
     */
    static final int PRESIZED_BODY_LIMIT = 64 * 1024;

    private final IdempotencyKeyHeader header;
    private final ResponseStoragePolicy policy;
    private final ReplayedHeaders replayedHeaders;
    private final ProblemResponseWriter problems;
    private final SizeLimits limits;

    /** The largest request body fingerprinted and the largest response kept for replay, in bytes. */
    public record SizeLimits(int maxRequestBytes, long maxResponseBytes) {
    }

    public IdempotencyFilter(IdempotencyKeyHeader header, ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders,
            ProblemResponseWriter problems, SizeLimits limits) {
        this.header = header;
        this.policy = policy;
        this.replayedHeaders = replayedHeaders;
        this.problems = problems;
        this.limits = limits;
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
            request = start(request);
            exchange = IdempotentExchange.of(request);
            captured = new ContentCachingResponseWrapper(response);
        }
        else {
            captured = WebUtils.getNativeResponse(response, ContentCachingResponseWrapper.class);
        }
        try {
            chain.doFilter(request, captured);
        }
        catch (IOException | ServletException | RuntimeException | Error ex) {
            if (!policy.storeServerErrors() || !exchange.ownsKey()) {
                exchange.fail(ex);
                throw ex;
            }
            logger.error("Handler failed; its outcome is stored as a 500 (idempotency.web.store-server-errors)", ex);
            problems.write(request, captured, IdempotencyProblem.HANDLER_FAILED,
                    "The request failed and will not run again with this key; send a new key to try again.", null);
        }
        if (request.isAsyncStarted()) {
            endWhenAsyncEndsWithoutDispatch(request, exchange);
            return;
        }
        exchange.finish(captured, policy, replayedHeaders, limits.maxResponseBytes());
        captured.copyBodyToResponse();
    }

    /**
     * An async request normally ends in an async dispatch through this filter, which ends the
     * claim. One that times out or fails may end in an error dispatch instead, which this filter
     * does not see: the listener then releases the key, so it is not renewed forever.
     */
    private static void endWhenAsyncEndsWithoutDispatch(HttpServletRequest request, IdempotentExchange exchange) {
        request.getAsyncContext().addListener(new AsyncListener() {

            @Override
            public void onComplete(AsyncEvent event) {
                exchange.abandon();
            }

            @Override
            public void onTimeout(AsyncEvent event) {
            }

            @Override
            public void onError(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                event.getAsyncContext().addListener(this);
            }
        });
    }

    /** Reads the body, up to one byte past the limit, and starts the exchange; returns the request to pass on. */
    private HttpServletRequest start(HttpServletRequest request) throws IOException {
        if (isForm(request)) {
            IdempotentExchange.start(request, null);
            return request;
        }
        int max = limits.maxRequestBytes();
        long declared = request.getContentLengthLong();
        if (declared > max) {
            IdempotentExchange.startTooLarge(request, max);
            return request;
        }
        InputStream body = request.getInputStream();
        // readNBytes(max + 1) starts with an 8 KB buffer, however small the body: read a declared length exactly.
        byte[] head = declared >= 0 && declared <= PRESIZED_BODY_LIMIT ? readDeclared(body, (int) declared, max)
                : body.readNBytes(max + 1);
        if (head.length > max) {
            IdempotentExchange.startTooLarge(request, max);
            return new CachedBodyRequest(request, head, false);
        }
        IdempotentExchange.start(request, head);
        return new CachedBodyRequest(request, head, true);
    }

    /**
     * Reads a body of declared {@code length} into one array of that size. A body that goes on past
     * its declared length is read on, up to one byte past {@code max}, as a body of unknown length
     * is; one that ends early is what was read.
     */
    static byte[] readDeclared(InputStream body, int length, int max) throws IOException {
        byte[] declared = new byte[length];
        int read = body.readNBytes(declared, 0, length);
        if (read < length) {
            return Arrays.copyOf(declared, read);
        }
        int next = body.read();
        if (next == -1) {
            return declared;
        }
        byte[] rest = body.readNBytes(max - length);
        byte[] head = Arrays.copyOf(declared, length + 1 + rest.length);
        head[length] = (byte) next;
        System.arraycopy(rest, 0, head, length + 1, rest.length);
        return head;
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
