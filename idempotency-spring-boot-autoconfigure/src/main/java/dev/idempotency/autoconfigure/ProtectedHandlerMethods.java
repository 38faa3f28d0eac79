package dev.idempotency.autoconfigure;

import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.idempotency.web.servlet.IdempotentRequestMappingHandlerAdapter;

/**
 * The Spring MVC handler methods whose {@code @Idempotent} the web layer honours: those of every
 * {@link RequestMappingHandlerMapping}, when the idempotent handler adapter is in the context (it
 * claims keys as handlers start; without it, as in an application without the servlet web layer,
 * no key-less annotation protects anything). Loaded only when Spring MVC is on the classpath.
 */
final class ProtectedHandlerMethods {

    private ProtectedHandlerMethods() {
    }

    static Set<Method> of(ListableBeanFactory beanFactory) {
        if (beanFactory.getBeanNamesForType(IdempotentRequestMappingHandlerAdapter.class, false, false).length == 0) {
            return Set.of();
        }
        Set<Method> handlers = new HashSet<>();
        for (RequestMappingHandlerMapping mapping : beanFactory.getBeansOfType(RequestMappingHandlerMapping.class,
                false, false).values()) {
            for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
                handlers.add(handler.getMethod());
            }
        }
        return handlers;
    }
}
