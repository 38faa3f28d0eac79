package dev.idempotency.web;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

import dev.idempotency.engine.OwnedKey;

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
            // A @ResponseStatus on the method is applied after invocation; the replay's own status wins.
            webRequest.getResponse().setStatus(replayed.status());
        }
    }

    /**
     * When CORS processing allowed this cross-origin request, lets browser scripts read the
     * replay marker, which CORS hides unless exposed.
     */
    private static void exposeReplayedHeaderToBrowsers(HttpServletResponse response) {
        if (response.getHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN) == null) {
            return;
        }
        String exposed = response.getHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS);
        response.setHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, exposed == null || exposed.isBlank()
                ? StoredResponse.REPLAYED_HEADER : exposed + ", " + StoredResponse.REPLAYED_HEADER);
    }

    @Override
    protected Object doInvoke(Object... args) throws Exception {
        replayed = guard.admit(webRequest.getRequest(), this);
        if (replayed == null) {
            // The claim fences the transactions the handler runs on this thread.
            IdempotentExchange exchange = IdempotentExchange.of(webRequest.getRequest());
            OwnedKey owned = exchange == null ? null : exchange.ownedKey();
            return owned == null ? super.doInvoke(args) : owned.runAsCurrent(() -> super.doInvoke(args));
        }
        HttpServletResponse response = webRequest.getResponse();
        replayed.replayTo(response);
        exposeReplayedHeaderToBrowsers(response);
        mavContainer.setRequestHandled(true);
        return null;
    }
}
