package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.StringJoiner;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.annotation.InProgress;
import dev.idempotency.template.IdempotencyOptions;
import dev.idempotency.template.IdempotencyTemplate;

/**
 * Runs {@link Idempotent @Idempotent} bean methods that name a {@link Idempotent#key() key}
 * through {@link IdempotencyTemplate}: the key is the SpEL expression evaluated over the
 * arguments, scoped to the bean's class and the method's signature; the arguments are the
 * payload; the result is stored as JSON and replayed as the method's declared return type. A
 * method with an empty key is a controller method, whose key comes from the HTTP header and which
 * the web layer protects.
 */
@Aspect
@Order(Ordered.LOWEST_PRECEDENCE - 100)
public final class IdempotentAspect {

    private final IdempotencyTemplate template;
    private final InProgress inProgress;
    private final Duration waitTimeout;
    private final KeyExpressionEvaluator keyExpressions = new KeyExpressionEvaluator();

    /**
     * @param inProgress what a duplicate of a running call gets unless its annotation says otherwise
     * @param waitTimeout the longest a duplicate waits under {@link InProgress#WAIT}
     */
    public IdempotentAspect(IdempotencyTemplate template, InProgress inProgress, Duration waitTimeout) {
        this.template = template;
        this.inProgress = inProgress;
        this.waitTimeout = waitTimeout;
    }

    /**
     * Matches only annotations that name a key: a controller's {@code @Idempotent} (empty key) is
     * left to the web layer, and its bean gets no proxy to pass every request through.
     */
    @Around("@annotation(idempotent) && !execution(@dev.idempotency.annotation.Idempotent(key=\"\") * *(..))")
    public Object around(ProceedingJoinPoint joinPoint, Idempotent idempotent) throws Throwable {
        Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
        Object[] args = joinPoint.getArgs();
        Class<?> targetClass = AopUtils.getTargetClass(joinPoint.getTarget());
        String key = keyExpressions.evaluate(idempotent.key(), method, targetClass, args);
        IdempotencyOptions options = IdempotencyOptions.DEFAULTS
                .withScope(scopeOf(targetClass, method))
                .withPayload(args)
                .withMaxWait(idempotent.inProgress().waitTime(inProgress, waitTimeout))
                .withTakeover(idempotent.takeover());
        return template.execute(key, method.getGenericReturnType(), options, joinPoint::proceed);
    }

    /** The bean's class and the full signature: overloads and subclasses never share results. */
    private static String scopeOf(Class<?> targetClass, Method method) {
        StringJoiner signature = new StringJoiner(",", "method:" + targetClass.getName() + "#" + method.getName() + "(", ")");
        for (Class<?> parameter : method.getParameterTypes()) {
            signature.add(parameter.getName());
        }
        return signature.toString();
    }
}
