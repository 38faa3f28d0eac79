package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.expression.Expression;

/**
 * Evaluates {@code @Idempotent(key = ...)} SpEL over a call's arguments ({@code #name},
 * {@code #p0}, {@code #a0}), parsing each expression once per method.
 */
final class KeyExpressionEvaluator extends CachedExpressionEvaluator {

    private final Map<ExpressionKey, Expression> expressions = new ConcurrentHashMap<>(64);

    /** The key for one call; never empty. */
    String evaluate(String expression, Method method, Class<?> targetClass, Object[] args) {
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(null, method, args,
                getParameterNameDiscoverer());
        Object value = getExpression(expressions, new AnnotatedElementKey(method, targetClass), expression)
                .getValue(context);
        if (value == null || value.toString().isEmpty()) {
            throw new IllegalArgumentException("The idempotency key expression '" + expression + "' of "
                    + method.getDeclaringClass().getSimpleName() + "#" + method.getName()
                    + " evaluated to an empty key; a key must identify the operation");
        }
        return value.toString();
    }
}
