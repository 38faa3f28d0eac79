package dev.idempotency.aop;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.support.AopUtils;
import org.springframework.context.expression.AnnotatedElementKey;

import dev.idempotency.annotation.InProgress;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.template.IdempotencyOptions;
import dev.idempotency.template.IdempotencyTemplate;

/**
 * Runs a call of an {@code @Idempotent(key = ...)} bean method through {@link IdempotencyTemplate}:
 * the key is the SpEL expression evaluated over the arguments, scoped to the bean's class and the
 * method's signature; the arguments are the payload; the result is stored as JSON and replayed as
 * the method's declared return type. A method returning {@link CompletableFuture} or
 * {@link CompletionStage} claims its key at the call and stores the value it completes with; its
 * replay is a completed future.
 */
public final class IdempotentMethodInterceptor implements MethodInterceptor {

    private final IdempotencyTemplate template;
    private final InProgress inProgress;
    private final Duration waitTimeout;
    private final KeyExpressionEvaluator keyExpressions = new KeyExpressionEvaluator();
    private final Map<AnnotatedElementKey, IdempotentMethod> methods = new ConcurrentHashMap<>(64);

    /**
     * @param template runs each call, so that bean methods follow the engine's rules
     * @param inProgress what a duplicate of a running call gets unless its annotation says otherwise
     * @param waitTimeout the longest a duplicate waits under {@link InProgress#WAIT}
     */
    public IdempotentMethodInterceptor(IdempotencyTemplate template, InProgress inProgress, Duration waitTimeout) {
        this.template = template;
        this.inProgress = inProgress;
        this.waitTimeout = waitTimeout;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Class<?> targetClass = AopUtils.getTargetClass(invocation.getThis());
        IdempotentMethod method = methods.computeIfAbsent(new AnnotatedElementKey(invocation.getMethod(), targetClass),
                key -> IdempotentMethod.of(invocation.getMethod(), targetClass));
        Object[] args = invocation.getArguments();
        String key = keyExpressions.evaluate(method, targetClass, args);
        IdempotencyOptions options = IdempotencyOptions.DEFAULTS
                .withScope(method.scope())
                .withPayload(args)
                .withMaxWait(method.annotation().inProgress().waitTime(inProgress, waitTimeout))
                .withTakeover(method.annotation().takeover());
        try {
            if (method.async()) {
                return template.executeAsync(key, method.resultType(), options,
                        () -> (CompletionStage<Object>) invocation.proceed())
                        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(named(method, failure)));
            }
            return template.execute(key, method.resultType(), options, invocation::proceed);
        }
        catch (IdempotentResultNotReplayableException ex) {
            throw method.named(ex);
        }
    }

    private static Throwable named(IdempotentMethod method, Throwable failure) {
        return failure instanceof IdempotentResultNotReplayableException notReplayable ? method.named(notReplayable)
                : failure;
    }
}
