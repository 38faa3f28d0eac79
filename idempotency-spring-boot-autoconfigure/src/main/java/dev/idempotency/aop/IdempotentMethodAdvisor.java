package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.aop.support.StaticMethodMatcherPointcutAdvisor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.function.SingletonSupplier;

import dev.idempotency.annotation.Idempotent;

/**
 * Advises every bean method annotated {@code @Idempotent(key = ...)}, on the method itself or on
 * a method it implements or overrides (an interface's, a superclass's), with
 * {@link IdempotentMethodInterceptor}. A method whose annotation names no key is a controller
 * method, protected by the web layer: it is not matched, so a controller gets no proxy to pass
 * every request through.
 *
 * <p>A Spring AOP advisor rather than an AspectJ aspect, so it needs no AspectJ and is applied by
 * any advisor auto-proxy creator, the infrastructure one included (register it with
 * {@code ROLE_INFRASTRUCTURE}, as Spring's transaction and cache advisors are). Its order,
 * {@link #ORDER}, puts it outside {@code @Transactional} (whose advisor has the lowest precedence):
 * the key is claimed before the transaction begins, and the result stored after it commits.
 *
 * <p>An advisor bean is created with the bean post-processors, before most of the context: the
 * interceptor is supplied and created on the first call, so the beans it needs are not created
 * early.
 */
public final class IdempotentMethodAdvisor extends StaticMethodMatcherPointcutAdvisor {

    /** Just before the lowest precedence, which {@code @Transactional} and {@code @Cacheable} have by default. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /**
     * An advisor, ordered {@link #ORDER}, for the classes that may carry {@code @Idempotent}.
     *
     * @param interceptor supplies the interceptor, called once on the first advised call
     */
    public IdempotentMethodAdvisor(Supplier<IdempotentMethodInterceptor> interceptor) {
        SingletonSupplier<IdempotentMethodInterceptor> created = SingletonSupplier.of(interceptor);
        setAdvice((MethodInterceptor) invocation -> created.obtain().invoke(invocation));
        setClassFilter(type -> AnnotationUtils.isCandidateClass(type, Idempotent.class));
        setOrder(ORDER);
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
        Idempotent idempotent = IdempotentMethod.findAnnotation(method, targetClass);
        return idempotent != null && !idempotent.key().isEmpty();
    }
}
