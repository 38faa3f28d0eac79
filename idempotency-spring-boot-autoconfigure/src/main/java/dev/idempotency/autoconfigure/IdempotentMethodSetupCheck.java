package dev.idempotency.autoconfigure;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.aop.IdempotentMethodRules;

/**
 * Fails start-up when an {@code @Idempotent} method on any bean would run unprotected, or fail on
 * every call: scans every bean's class (as Spring's {@code EventListenerMethodProcessor} does, on
 * the class behind a proxy), finds the annotation on each method and on the methods it implements
 * or overrides, and collects what keeps each one from being protected into one
 * {@link UnprotectedIdempotentMethodsException}. A method without a key must be a Spring MVC
 * or WebFlux handler method that the web layer protects; one with a key is judged by
 * {@link IdempotentMethodRules}.
 */
final class IdempotentMethodSetupCheck {

    private static final boolean SERVLET_WEB_PRESENT = ClassUtils.isPresent(
            "org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping",
            IdempotentMethodSetupCheck.class.getClassLoader());

    private static final boolean REACTIVE_WEB_PRESENT = ClassUtils.isPresent(
            "org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping",
            IdempotentMethodSetupCheck.class.getClassLoader());

    private final ConfigurableListableBeanFactory beanFactory;
    private final IdempotentMethodRules rules;

    IdempotentMethodSetupCheck(ConfigurableListableBeanFactory beanFactory, IdempotentMethodRules rules) {
        this.beanFactory = beanFactory;
        this.rules = rules;
    }

    void verify() {
        Set<Method> protectedHandlers = new HashSet<>();
        if (SERVLET_WEB_PRESENT) {
            protectedHandlers.addAll(ProtectedHandlerMethods.of(beanFactory));
        }
        if (REACTIVE_WEB_PRESENT) {
            protectedHandlers.addAll(ReactiveProtectedHandlerMethods.of(beanFactory));
        }
        List<String> problems = new ArrayList<>();
        for (String beanName : beanFactory.getBeanNamesForType(Object.class)) {
            if (ScopedProxyUtils.isScopedTarget(beanName)) {
                continue;
            }
            Class<?> type = targetClass(beanName);
            if (type == null || !AnnotationUtils.isCandidateClass(type, Idempotent.class)) {
                continue;
            }
            Map<Method, Idempotent> annotated = MethodIntrospector.selectMethods(type,
                    (MethodIntrospector.MetadataLookup<Idempotent>) method -> AnnotatedElementUtils
                            .findMergedAnnotation(method, Idempotent.class));
            annotated.forEach((method, idempotent) -> {
                List<String> reasons = idempotent.key().isEmpty()
                        ? keylessProblems(method, protectedHandlers)
                        : rules.problems(method, type, instance(beanName));
                if (!reasons.isEmpty()) {
                    problems.add(IdempotentMethodRules.signatureOf(type, method) + " (bean '" + beanName + "'): " + String.join("; ", reasons));
                }
            });
        }
        if (!problems.isEmpty()) {
            throw new UnprotectedIdempotentMethodsException(problems);
        }
    }

    private static List<String> keylessProblems(Method method, Set<Method> protectedHandlers) {
        if (protectedHandlers.contains(method)) {
            return List.of();
        }
        return List.of("it names no key and is not a Spring MVC or WebFlux handler method that the idempotency "
                + "web layer protects; on a bean method, name the key: @Idempotent(key = \"#id\")");
    }

    /** The class behind the bean's proxies; {@code null} when it cannot be told without creating the bean. */
    private Class<?> targetClass(String beanName) {
        Class<?> type;
        try {
            type = AutoProxyUtils.determineTargetClass(beanFactory, beanName);
        }
        catch (RuntimeException ex) {
            return null;
        }
        if (type != null && ScopedObject.class.isAssignableFrom(type)) {
            try {
                Class<?> scoped = AutoProxyUtils.determineTargetClass(beanFactory,
                        ScopedProxyUtils.getTargetBeanName(beanName));
                return scoped != null ? scoped : type;
            }
            catch (RuntimeException ex) {
                return type;
            }
        }
        return type;
    }

    /**
     * The bean as the context hands it out, when it is one created singleton; {@code null} for a
     * lazy, prototype or scoped bean, or one made by a factory bean, which cannot be judged now.
     */
    private Object instance(String beanName) {
        Object singleton = beanFactory.getSingleton(beanName);
        return singleton instanceof FactoryBean<?> || singleton instanceof ScopedObject ? null : singleton;
    }
}
