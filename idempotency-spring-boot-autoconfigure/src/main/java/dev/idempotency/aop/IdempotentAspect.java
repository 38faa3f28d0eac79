package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.RequestFingerprint;

/**
 * Runs {@link Idempotent @Idempotent} bean methods that name a {@link Idempotent#key() key}
 * through the engine: the key is the SpEL expression evaluated over the arguments, scoped to the
 * method; the fingerprint covers the arguments as JSON; the result is stored as JSON and replayed
 * as the method's declared return type. A method with an empty key is a controller method, whose
 * key comes from the HTTP header and which the web layer protects.
 */
@Aspect
@Order(Ordered.LOWEST_PRECEDENCE - 100)
public final class IdempotentAspect {

    private final IdempotencyKeeper keeper;
    private final JsonMapper jsonMapper;
    private final KeyExpressionEvaluator keyExpressions = new KeyExpressionEvaluator();
    private final Map<Method, JsonResultCodec> codecs = new ConcurrentHashMap<>(64);

    public IdempotentAspect(IdempotencyKeeper keeper, JsonMapper jsonMapper) {
        this.keeper = keeper;
        this.jsonMapper = jsonMapper;
    }

    @Around("@annotation(idempotent)")
    public Object around(ProceedingJoinPoint joinPoint, Idempotent idempotent) throws Throwable {
        if (idempotent.key().isEmpty()) {
            return joinPoint.proceed();
        }
        Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
        Object[] args = joinPoint.getArgs();
        String scope = method.getDeclaringClass().getName() + "#" + method.getName();
        String key = keyExpressions.evaluate(idempotent.key(), method, AopUtils.getTargetClass(joinPoint.getTarget()), args);
        RequestFingerprint fingerprint = RequestFingerprint.builder()
                .add(scope)
                .add(jsonMapper.writeValueAsBytes(args))
                .build();
        JsonResultCodec codec = codecs.computeIfAbsent(method, m -> new JsonResultCodec(jsonMapper, m));
        return keeper.execute(new IdempotencyKey(scope, key), fingerprint, codec, joinPoint::proceed);
    }
}
