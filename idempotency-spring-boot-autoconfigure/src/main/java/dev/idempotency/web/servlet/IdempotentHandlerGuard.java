package dev.idempotency.web.servlet;

import java.io.IOException;
import java.util.Enumeration;
import java.util.function.Supplier;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.server.PathContainer;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.util.ServletRequestPathUtils;

import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.StoredResponse;
import dev.idempotency.web.UnreadableRequestBodyException;

/**
 * The servlet side of {@link HandlerAdmission}: claims the request's key as a handler method is
 * about to start, after Spring MVC has bound and validated the arguments, and records the claim on
 * the request's {@link IdempotentExchange}. Dispatch types are decided here: an error dispatch
 * never claims, an async dispatch runs under the claim of the request it continues.
 *
 * <p>Protection is decided here, once the handler is known, and not in the filter: the filter
 * would need a second handler lookup for every request with a key. So the filter only marks the
 * exchange; {@link #prepare} reads the body of a protected request before its arguments are
 * bound, and the claim switches the response to a capture. A request to a handler that is not
 * protected is read and written by the container alone, as if it had no key.
 */
public final class IdempotentHandlerGuard {

    private final HandlerAdmission admission;
    private final IdempotencyScopeResolver scopeResolver;

    public IdempotentHandlerGuard(HandlerAdmission admission, IdempotencyScopeResolver scopeResolver) {
        this.admission = admission;
        this.scopeResolver = scopeResolver;
    }

    /**
     * The request {@code handler} binds its arguments from. For a protected handler of a request
     * with a key, one whose body was read to fingerprint it; any other request as it is.
     *
     * @throws UnreadableRequestBodyException when a protected request's form cannot be decoded
     */
    public HttpServletRequest prepare(HttpServletRequest request, HandlerMethod handler) throws IOException {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange == null || request.getDispatcherType() == DispatcherType.ERROR) {
            return request;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC
                && !(WebAsyncUtils.getAsyncManager(request).getConcurrentResult() instanceof Throwable)) {
            // The async work returned a value: it ran, whatever becomes of writing it.
            exchange.handlerReturned();
        }
        HandlerAdmission.HandlerTraits traits = admission.traitsOf(handler);
        if (!HandlerAdmission.readsBody(traits, protectionOf(request, traits))) {
            return request;
        }
        try {
            return exchange.fingerprintSource().withBody(request, admission.maxRequestBytes());
        }
        catch (UnreadableRequestBodyException ex) {
            admission.rejected();
            throw ex;
        }
    }

    /**
     * Handling {@code request} failed with an exception Spring MVC answers itself. When its
     * handler had returned, the work ran and its key is recorded as processed, never run again.
     */
    public void handlingFailed(HttpServletRequest request) {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange != null) {
            exchange.responseFailed();
        }
    }

    /**
     * Claims the key of {@code request} for {@code handler} when its route is protected.
     *
     * @return the stored response to replay instead of running the handler, or {@code null} when
     *     the handler is to run (the claim, if any, is recorded for the filter to end; a handler
     *     reached by a forward from the one that claimed runs under that claim)
     * @throws RuntimeException the refusals of {@link HandlerAdmission#keyOf} and
     *     {@link HandlerAdmission#claim}, and {@link UnreadableRequestBodyException} when a
     *     multipart body cannot be parsed to fingerprint it
     */
    public StoredResponse admit(HttpServletRequest request, HandlerMethod handler) {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            // An error page is not the operation the client asked for, whatever path patterns it matches.
            return null;
        }
        HandlerAdmission.HandlerTraits traits = admission.traitsOf(handler);
        IdempotentRoutes.Protection protection = protectionOf(request, traits);
        if (protection == IdempotentRoutes.Protection.NONE) {
            return null;
        }
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange != null && !exchange.admit()) {
            return null;
        }
        Enumeration<String> lines = exchange == null ? null : request.getHeaders(admission.header().name());
        IdempotencyKey key = admission.keyOf(protection, traits, lines == null ? null : lines.asIterator(),
                () -> exchange.fingerprintSource().requireBodyWithinLimit(request, admission.maxRequestBytes()),
                () -> scopeResolver.scopeOf(request));
        if (key == null) {
            return null;
        }
        HandlerAdmission.Admission admitted = admission.claim(key,
                () -> exchange.fingerprintSource().fingerprint(request), traits);
        if (admitted.owned() != null) {
            exchange.own(admitted.owned());
        }
        return admitted.replay();
    }

    private IdempotentRoutes.Protection protectionOf(HttpServletRequest request, HandlerAdmission.HandlerTraits traits) {
        Supplier<PathContainer> path = () -> ServletRequestPathUtils.hasParsedRequestPath(request)
                ? ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication()
                : PathContainer.parsePath(request.getRequestURI().substring(request.getContextPath().length()));
        return admission.protectionOf(traits, request.getMethod(), path);
    }
}
