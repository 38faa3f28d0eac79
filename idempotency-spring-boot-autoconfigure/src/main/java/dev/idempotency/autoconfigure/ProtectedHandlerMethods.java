package dev.idempotency.autoconfigure;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;

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
        return of(beanFactory, IdempotentRequestMappingHandlerAdapter.class, RequestMappingHandlerMapping.class,
                mapping -> mapping.getHandlerMethods().values());
    }

    /**
     * The handler methods of every {@code mappingType} bean, when a bean of {@code adapterType},
     * the adapter that claims keys on that web stack, is in the context; none otherwise.
     */
    static <M> Set<Method> of(ListableBeanFactory beanFactory, Class<?> adapterType, Class<M> mappingType,
            Function<M, Collection<HandlerMethod>> handlerMethods) {
        if (beanFactory.getBeanNamesForType(adapterType, false, false).length == 0) {
            return Set.of();
        }
        Set<Method> handlers = new HashSet<>();
        for (M mapping : beanFactory.getBeansOfType(mappingType, false, false).values()) {
            for (HandlerMethod handler : handlerMethods.apply(mapping)) {
                handlers.add(handler.getMethod());
            }
        }
        return handlers;
    }
}
