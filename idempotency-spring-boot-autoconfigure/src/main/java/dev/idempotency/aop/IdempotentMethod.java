package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.engine.IdempotentResultNotReplayableException;

/**
 * An {@code @Idempotent} bean method as the advisor runs it: the annotation, found on the method
 * or on a method it implements or overrides; the scope its keys live in; and what its result is
 * stored as: the declared return type, or for a {@link CompletableFuture} or
 * {@link CompletionStage} the type of the value it completes with.
 *
 * @param method the most specific method, on the bean's class
 * @param signature the bean's class and the method, for messages: {@code com.example.Orders#pay(String)}
 * @param async whether the method returns a {@link CompletableFuture} or {@link CompletionStage}
 */
record IdempotentMethod(Method method, Idempotent annotation, String scope, String signature, Type resultType,
        boolean async) {

    /** The annotation of {@code method} as called on a bean of {@code targetClass}; {@code null} when it has none. */
    static Idempotent findAnnotation(Method method, Class<?> targetClass) {
        return AnnotatedElementUtils.findMergedAnnotation(AopUtils.getMostSpecificMethod(method, targetClass),
                Idempotent.class);
    }

    static IdempotentMethod of(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        Idempotent annotation = AnnotatedElementUtils.findMergedAnnotation(specific, Idempotent.class);
        boolean async = returnsFuture(specific);
        Type resultType = async ? valueType(specific.getGenericReturnType()) : specific.getGenericReturnType();
        return new IdempotentMethod(specific, annotation, scopeOf(targetClass, specific), signatureOf(targetClass, specific),
                resultType, async);
    }

    /** Whether the return type is one whose value the advisor stores when it completes. */
    static boolean returnsFuture(Method method) {
        Class<?> type = method.getReturnType();
        return type == CompletableFuture.class || type == CompletionStage.class;
    }

    /** {@code com.example.Orders#pay(String)}: the bean's class, then the method with its parameters' simple names. */
    static String signatureOf(Class<?> targetClass, Method method) {
        StringJoiner signature = new StringJoiner(", ", targetClass.getName() + "#" + method.getName() + "(", ")");
        for (Class<?> parameter : method.getParameterTypes()) {
            signature.add(parameter.getSimpleName());
        }
        return signature.toString();
    }

    /**
     * The same failure, its message naming this method and its result type: the engine knows
     * neither. The codec's failure stays the cause.
     */
    IdempotentResultNotReplayableException named(IdempotentResultNotReplayableException failure) {
        return new IdempotentResultNotReplayableException("@Idempotent method " + signature + ", result type "
                + resultType.getTypeName() + ": " + failure.getMessage(), failure.getCause());
    }

    /** The bean's class and the full signature: overloads and subclasses never share results. */
    private static String scopeOf(Class<?> targetClass, Method method) {
        StringJoiner signature = new StringJoiner(",", "method:" + targetClass.getName() + "#" + method.getName() + "(",
                ")");
        for (Class<?> parameter : method.getParameterTypes()) {
            signature.add(parameter.getName());
        }
        return signature.toString();
    }

    /** The type argument of {@code CompletableFuture<T>} or {@code CompletionStage<T>}; {@code Object} when raw. */
    private static Type valueType(Type futureType) {
        return futureType instanceof ParameterizedType parameterized ? parameterized.getActualTypeArguments()[0]
                : Object.class;
    }
}
