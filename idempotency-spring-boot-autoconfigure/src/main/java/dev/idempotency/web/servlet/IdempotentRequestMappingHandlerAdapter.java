package dev.idempotency.web.servlet;

import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

/**
 * Spring MVC's handler adapter with the idempotency claim at handler start, and the body of a
 * protected request read before its arguments are bound. Registered through
 * {@code WebMvcRegistrations}; an application with its own registrations must return this
 * adapter (or a subclass) from {@code getRequestMappingHandlerAdapter()}.
 */
public class IdempotentRequestMappingHandlerAdapter extends RequestMappingHandlerAdapter {

    private final Supplier<IdempotentHandlerGuard> guard;

    /** @param guard resolved on first use, so the adapter can be created before the engine */
    public IdempotentRequestMappingHandlerAdapter(Supplier<IdempotentHandlerGuard> guard) {
        this.guard = guard;
    }

    /**
     * Reads the body of a protected request before the arguments are bound, to fingerprint it; and
     * tells the guard when handling failed, which may be after the handler returned.
     */
    @Override
    protected ModelAndView handleInternal(HttpServletRequest request, HttpServletResponse response,
            HandlerMethod handlerMethod) throws Exception {
        IdempotentHandlerGuard guard = this.guard.get();
        HttpServletRequest prepared = guard.prepare(request, handlerMethod);
        try {
            return super.handleInternal(prepared, response, handlerMethod);
        }
        catch (Exception ex) {
            guard.handlingFailed(request);
            throw ex;
        }
    }

    @Override
    protected ServletInvocableHandlerMethod createInvocableHandlerMethod(HandlerMethod handlerMethod) {
        return new IdempotentHandlerMethod(handlerMethod, guard.get());
    }
}
