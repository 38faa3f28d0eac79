package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.ClassUtils;

import dev.idempotency.template.IdempotencyTemplate;

/**
 * What keeps an {@code @Idempotent(key = ...)} method from being protected, told before any call,
 * so that start-up can fail instead of the method running unprotected or failing on every call:
 * a method no proxy can intercept, a bean the advisor did not proxy, a key expression that does
 * not parse or reads what is not a parameter, a result type whose values could never be read
 * back, and an asynchronous result type whose value the advisor cannot store.
 */
public final class IdempotentMethodRules {

    private final IdempotencyTemplate template;
    private final IdempotentMethodAdvisor advisor;
    private final KeyExpressionEvaluator keyExpressions = new KeyExpressionEvaluator();

    /**
     * @param template what runs the methods; {@code null} when there is none (no Jackson), and so
     *     no advisor either: then no method with a key is protected
     * @param advisor the advisor whose proxies protect the methods; {@code null} with no template
     */
    public IdempotentMethodRules(IdempotencyTemplate template, IdempotentMethodAdvisor advisor) {
        this.template = template;
        this.advisor = advisor;
    }

    /**
     * {@code com.example.Orders#pay(String)}: how messages name {@code method} on a bean of {@code targetClass}.
     *
     * @param targetClass the bean's class
     * @param method the annotated method
     * @return the class's name, {@code #}, the method's name and its parameter types' simple names
     */
    public static String signatureOf(Class<?> targetClass, Method method) {
        return IdempotentMethod.signatureOf(targetClass, method);
    }

    /**
     * Why {@code method}, with a key, is not protected on a bean of {@code targetClass}; empty when
     * it is.
     *
     * @param method the annotated method, whose annotation has a key
     * @param targetClass the bean's class
     * @param bean the bean as the context hands it out, to tell whether and how it is proxied;
     *     {@code null} when there is no single instance to judge (a lazy, prototype or scoped
     *     bean), in which case a class-based proxy is assumed, as Spring Boot's default
     * @return one reason per problem, each a clause to follow the method's signature; empty when protected
     */
    public List<String> problems(Method method, Class<?> targetClass, Object bean) {
        List<String> problems = new ArrayList<>();
        if (template == null) {
            problems.add("results of bean methods are stored as JSON, and without Jackson there is no "
                    + "IdempotencyTemplate to run them: add spring-boot-starter-jackson");
            return problems;
        }
        int modifiers = method.getModifiers();
        if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers)) {
            problems.add("it is " + (Modifier.isPrivate(modifiers) ? "private" : "static")
                    + ", and no proxy can intercept it");
        }
        else {
            proxyProblem(method, modifiers, bean).ifPresent(problems::add);
        }
        keyExpressions.problem(IdempotentMethod.findAnnotation(method, targetClass).key(), method)
                .ifPresent(problems::add);
        resultProblem(method, targetClass).ifPresent(problems::add);
        return problems;
    }

    private Optional<String> proxyProblem(Method method, int modifiers, Object bean) {
        if (bean != null && !(bean instanceof Advised advised && Arrays.asList(advised.getAdvisors()).contains(advisor))) {
            return Optional.of("its bean is not proxied by the @Idempotent advisor, so its calls are not "
                    + "intercepted (no advisor auto-proxy creator applied it: is spring.aop.auto off?)");
        }
        if (bean != null && AopUtils.isJdkDynamicProxy(bean)) {
            return ClassUtils.hasMethod(bean.getClass(), method) ? Optional.empty()
                    : Optional.of("its bean is an interface-based (JDK) proxy, and no interface of it "
                            + "declares the method, so calls through the proxy never reach it "
                            + "(declare it on an interface, or set spring.aop.proxy-target-class=true)");
        }
        return Modifier.isFinal(modifiers)
                ? Optional.of("it is final, and a class-based proxy cannot override it")
                : Optional.empty();
    }

    private Optional<String> resultProblem(Method method, Class<?> targetClass) {
        Class<?> returnType = method.getReturnType();
        if (!IdempotentMethod.returnsFuture(method) && (Future.class.isAssignableFrom(returnType)
                || CompletionStage.class.isAssignableFrom(returnType)
                || ReactiveAdapterRegistry.getSharedInstance().getAdapter(returnType) != null)) {
            return Optional.of("it returns " + returnType.getName() + ", an asynchronous type whose value "
                    + "cannot be stored and replayed: return CompletableFuture or CompletionStage");
        }
        Type resultType = IdempotentMethod.of(method, targetClass).resultType();
        return template.whyUnreadable(resultType).map(reason -> "its result type " + resultType.getTypeName()
                + " can be written as JSON but never read back, so no retry could be answered: " + reason);
    }
}
