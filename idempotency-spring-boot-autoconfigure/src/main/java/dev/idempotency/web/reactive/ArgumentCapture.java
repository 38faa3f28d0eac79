package dev.idempotency.web.reactive;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.method.HandlerMethod;

/**
 * Takes a protected handler method's arguments as WebFlux resolved and validated them, without
 * running the method, so that the key is claimed between argument resolution and the method body
 * and the claim may take its time: WebFlux invokes a handler method at once once its arguments are
 * resolved, and a claim that answers later cannot hold that invocation back without blocking.
 *
 * <p>The handler adapter is handed the method on a class proxy of its bean ({@link #capturing}),
 * whose invocation only records the arguments; the adapter emits its result on the same thread,
 * where {@link #take} picks them up, before anything else can run on it. The method then runs on
 * the bean itself ({@link #invoke}) once the claim allows it.
 */
final class ArgumentCapture {

    private static final ThreadLocal<Captured> CAPTURED = new ThreadLocal<>();

    private final Map<HandlerMethod, HandlerMethod> capturing = new ConcurrentHashMap<>();

    /** {@code handler}'s method on a proxy of its bean that records its arguments instead of running it. */
    HandlerMethod capturing(HandlerMethod handler) {
        return capturing.computeIfAbsent(handler, ArgumentCapture::proxied);
    }

    private static HandlerMethod proxied(HandlerMethod handler) {
        ProxyFactory proxy = new ProxyFactory(handler.getBean());
        proxy.setProxyTargetClass(true);
        proxy.addAdvice((MethodInterceptor) invocation -> {
            if (invocation.getMethod().equals(bridged(handler))) {
                CAPTURED.set(new Captured(bridged(handler), invocation.getArguments()));
                return null;
            }
            return invocation.proceed();
        });
        return new HandlerMethod(proxy.getProxy(handler.getBeanType().getClassLoader()), handler.getMethod());
    }

    /**
     * The arguments {@code handler}'s capturing proxy was invoked with on this thread, once; {@code null}
     * when the adapter did not invoke it (its arguments failed to resolve or validate).
     */
    static Object[] take(HandlerMethod handler) {
        Captured captured = CAPTURED.get();
        CAPTURED.remove();
        return captured != null && captured.method().equals(bridged(handler)) ? captured.arguments() : null;
    }

    /**
     * Runs {@code handler}'s method on its bean with {@code arguments}.
     *
     * @throws Throwable what the method threw
     */
    static Object invoke(HandlerMethod handler, Object[] arguments) throws Throwable {
        Method method = bridged(handler);
        ReflectionUtils.makeAccessible(method);
        try {
            return method.invoke(handler.getBean(), arguments);
        }
        catch (InvocationTargetException ex) {
            throw ex.getTargetException();
        }
    }

    /** The method WebFlux invokes for {@code handler}: a bridge method resolved to the one it bridges. */
    private static Method bridged(HandlerMethod handler) {
        return BridgeMethodResolver.findBridgedMethod(handler.getMethod());
    }

    private record Captured(Method method, Object[] arguments) {
    }
}
