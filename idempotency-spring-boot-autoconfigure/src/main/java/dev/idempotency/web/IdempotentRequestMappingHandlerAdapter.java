package dev.idempotency.web;

import java.util.function.Supplier;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

/**
 * Spring MVC's handler adapter with the idempotency claim at handler start. Registered through
 * {@code WebMvcRegistrations}; an application with its own registrations must return this
 * adapter (or a subclass) from {@code getRequestMappingHandlerAdapter()}.
 */
public class IdempotentRequestMappingHandlerAdapter extends RequestMappingHandlerAdapter {

    private final Supplier<IdempotentHandlerGuard> guard;

    /** @param guard resolved on first use, so the adapter can be created before the engine */
    public IdempotentRequestMappingHandlerAdapter(Supplier<IdempotentHandlerGuard> guard) {
        this.guard = guard;
    }

    @Override
    protected ServletInvocableHandlerMethod createInvocableHandlerMethod(HandlerMethod handlerMethod) {
        return new IdempotentHandlerMethod(handlerMethod, guard.get());
    }
}
