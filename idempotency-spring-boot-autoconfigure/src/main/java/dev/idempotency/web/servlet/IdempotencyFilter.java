package dev.idempotency.web.servlet;

import java.io.IOException;
import java.util.Enumeration;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.Refusal;
import dev.idempotency.web.ResponseRecorder;
import dev.idempotency.web.ResponseStoragePolicy;

/**
 * Marks the exchange of each request that carries an idempotency key, and when a handler claimed
 * the key, ends the claim once the response is complete (stored per {@link ResponseStoragePolicy},
 * else released) before the response reaches the client. The stored result does not depend on the
 * client still being connected.
 *
 * <p>Which handler a request reaches is known only inside the dispatcher, so the filter reads
 * nothing and holds nothing: it wraps the response in a wrapper that passes everything through,
 * whose target becomes a capture when a protected handler claims the key
 * ({@link IdempotentHandlerGuard}). Requests without the header, and requests with it whose
 * handler is not protected, are read and written by the container as if the library were absent.
 *
 * <p>Registered for every dispatch type but include; {@link IdempotentExchange} decides what
 * each means for the claim. A forward ends the exchange when it returns, as the container
 * finishes the response then (Tomcat suspends it); an async request ends with the async dispatch
 * that writes its result; a response whose body an error page writes ends with that error
 * dispatch; and {@link IdempotencyRequestListener} ends whatever none of them ended.
 */
public final class IdempotencyFilter implements Filter {

    private final IdempotencyKeyHeader header;
    private final ProblemResponseWriter problems;
    private final ResponseRecorder recorder;

    /** @param recorder ends a claim from the response its handler gave */
    public IdempotencyFilter(IdempotencyKeyHeader header, ResponseRecorder recorder, ProblemResponseWriter problems) {
        this.header = header;
        this.problems = problems;
        this.recorder = recorder;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse httpResponse) {
            doFilter(http, httpResponse, chain);
        }
        else {
            chain.doFilter(request, response);
        }
    }

    private void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange == null) {
            if (request.getDispatcherType() != DispatcherType.REQUEST || !isSentWith(request)) {
                chain.doFilter(request, response);
                return;
            }
            HttpServletResponseWrapper claimable = new HttpServletResponseWrapper(response);
            exchange = IdempotentExchange.start(request, claimable, recorder);
            response = claimable;
        }
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            errorDispatch(request, response, chain, exchange);
            return;
        }
        try {
            chain.doFilter(request, response);
        }
        catch (IOException | ServletException | RuntimeException | Error ex) {
            // Rethrown, so that whatever translates it (Spring Security's 401 and 403) still does.
            exchange.fail(ex);
            throw ex;
        }
        if (!request.isAsyncStarted()) {
            exchange.dispatchEnded();
        }
    }

    private void errorDispatch(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
            IdempotentExchange exchange) throws ServletException, IOException {
        if (!exchange.awaitsErrorPage()) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse errorPage = exchange.captureErrorPage(response);
        if (exchange.answersUntranslatedFailure(request)) {
            problems.write(request, errorPage, Refusal.handlerFailed());
        }
        else {
            chain.doFilter(request, errorPage);
        }
        exchange.finish();
    }

    /**
     * Whether {@code request} carries the key header, without reading its value: a firewall such as
     * Spring Security's {@code StrictHttpFirewall} refuses some values only when they are read, and
     * a request this library does not protect must answer as if it had no key.
     */
    private boolean isSentWith(HttpServletRequest request) {
        Enumeration<String> lines = request.getHeaders(header.name());
        return lines != null && lines.hasMoreElements();
    }
}
