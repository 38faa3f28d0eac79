package dev.idempotency.web.servlet;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.web.StoredResponse;

/**
 * One invocation of a handler method, with the idempotency claim made at the moment the method
 * starts: after argument binding and validation, before the method body. Created per request.
 */
final class IdempotentHandlerMethod extends ServletInvocableHandlerMethod {

    private final IdempotentHandlerGuard guard;
    private ServletWebRequest webRequest;
    private ModelAndViewContainer mavContainer;
    private StoredResponse replayed;

    IdempotentHandlerMethod(HandlerMethod handlerMethod, IdempotentHandlerGuard guard) {
        super(handlerMethod);
        this.guard = guard;
    }

    @Override
    public void invokeAndHandle(ServletWebRequest webRequest, ModelAndViewContainer mavContainer,
            Object... providedArgs) throws Exception {
        this.webRequest = webRequest;
        this.mavContainer = mavContainer;
        super.invokeAndHandle(webRequest, mavContainer, providedArgs);
        if (replayed != null) {
            // Written once the invocation is over, so that the replay's own status wins over a @ResponseStatus.
            HttpServletResponse response = webRequest.getResponse();
            exposeReplayedHeaderToBrowsers(response);
            replay(replayed, response);
        }
    }

    /** Writes {@code stored} as the answer to a retry, marked as a replay. */
    private static void replay(StoredResponse stored, HttpServletResponse response) throws IOException {
        response.setStatus(stored.status());
        for (StoredResponse.Header header : stored.headers()) {
            response.addHeader(header.name(), header.value());
        }
        for (StoredResponse.Header mark : StoredResponse.REPLAY_MARKS) {
            response.setHeader(mark.name(), mark.value());
        }
        response.setContentLength(stored.body().length);
        response.getOutputStream().write(stored.body());
    }

    /**
     * When CORS processing allowed this cross-origin request, lets browser scripts read the
     * replay marker, which CORS hides unless exposed. Called before the replay's body is written,
     * which commits the response.
     */
    private static void exposeReplayedHeaderToBrowsers(HttpServletResponse response) {
        if (response.getHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN) == null) {
            return;
        }
        String exposed = response.getHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS);
        response.setHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, StoredResponse.exposingReplayMarker(exposed));
    }

    @Override
    protected Object doInvoke(Object... args) throws Exception {
        replayed = guard.admit(webRequest.getRequest(), this);
        if (replayed != null) {
            mavContainer.setRequestHandled(true);
            return null;
        }
        IdempotentExchange exchange = IdempotentExchange.of(webRequest.getRequest());
        if (exchange == null) {
            return super.doInvoke(args);
        }
        // A handler reached by a forward starts its own work: until it returns, its exception is a failure.
        exchange.handlerStarts();
        OwnedKey owned = exchange.ownedKey();
        // The claim fences the transactions the handler runs on this thread.
        Object value = owned == null ? super.doInvoke(args) : owned.runAsCurrent(() -> super.doInvoke(args));
        if (AsyncWork.isAsync(value)) {
            HttpStatusCode status = getResponseStatus();
            return exchange.watch(value, webRequest.getRequest(), status != null ? status.value() : HttpStatus.OK.value());
        }
        exchange.handlerReturned();
        return value;
    }
}
