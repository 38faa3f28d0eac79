package dev.idempotency.autoconfigure;

import java.lang.reflect.Method;
import java.util.Set;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

import dev.idempotency.web.reactive.IdempotentReactiveHandlerAdapter;

/**
 * The WebFlux handler methods whose {@code @Idempotent} the web layer honours: those of every
 * WebFlux {@link RequestMappingHandlerMapping}, when the idempotent reactive handler adapter is in
 * the context. Loaded only when WebFlux is on the classpath.
 */
final class ReactiveProtectedHandlerMethods {

    private ReactiveProtectedHandlerMethods() {
    }

    static Set<Method> of(ListableBeanFactory beanFactory) {
        return ProtectedHandlerMethods.of(beanFactory, IdempotentReactiveHandlerAdapter.class,
                RequestMappingHandlerMapping.class, mapping -> mapping.getHandlerMethods().values());
    }
}
