package dev.idempotency.aop;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

/**
 * Evaluates {@code @Idempotent(key = ...)} SpEL over a call's arguments ({@code #name},
 * {@code #p0}, {@code #a0}), parsing each expression once per method; and checks an expression
 * before any call: that it parses, and that every variable it reads is a parameter.
 */
final class KeyExpressionEvaluator extends CachedExpressionEvaluator {

    private final Map<ExpressionKey, Expression> expressions = new ConcurrentHashMap<>(64);

    /**
     * The key for one call; never empty.
     *
     * @throws IdempotentKeyExpressionException when the expression fails, or gives no key
     */
    String evaluate(IdempotentMethod method, Class<?> targetClass, Object[] args) {
        String expression = method.annotation().key();
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(null, method.method(), args,
                getParameterNameDiscoverer());
        Object value;
        try {
            value = getExpression(expressions, new AnnotatedElementKey(method.method(), targetClass), expression)
                    .getValue(context);
        }
        catch (ExpressionException ex) {
            throw new IdempotentKeyExpressionException("The idempotency key expression '" + expression + "' of "
                    + method.signature() + " could not be evaluated: " + ex.getMessage(), ex);
        }
        if (value == null || value.toString().isEmpty()) {
            throw new IdempotentKeyExpressionException("The idempotency key expression '" + expression + "' of "
                    + method.signature() + " evaluated to an empty key; a key must identify the operation");
        }
        return value.toString();
    }

    /**
     * Why {@code expression} cannot give a key for calls of {@code method}: it does not parse, or
     * it reads a variable that is not a parameter. Variables by name are checked only when the
     * parameter names are known (compiled with {@code -parameters}); {@code #p0} and {@code #a0}
     * always.
     */
    Optional<String> problem(String expression, Method method) {
        SpelNode ast;
        try {
            ast = ((SpelExpression) getParser().parseExpression(expression)).getAST();
        }
        catch (ParseException ex) {
            return Optional.of("its key expression '" + expression + "' does not parse: " + ex.getMessage());
        }
        String[] names = getParameterNameDiscoverer().getParameterNames(method);
        Set<String> parameters = new LinkedHashSet<>();
        for (int i = 0; i < method.getParameterCount(); i++) {
            parameters.add("p" + i);
            parameters.add("a" + i);
        }
        if (names != null) {
            parameters.addAll(List.of(names));
        }
        List<String> unknown = new ArrayList<>();
        for (String variable : variables(ast, new ArrayList<>())) {
            boolean judged = names != null || variable.matches("[pa]\\d+");
            if (judged && !parameters.contains(variable) && !unknown.contains("#" + variable)) {
                unknown.add("#" + variable);
            }
        }
        if (unknown.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("its key expression '" + expression + "' reads " + String.join(", ", unknown)
                + ", which " + (unknown.size() == 1 ? "is not a parameter" : "are not parameters") + " ("
                + parametersOf(method, names) + ")");
    }

    private static String parametersOf(Method method, String[] names) {
        int count = method.getParameterCount();
        if (count == 0) {
            return "the method has no parameters";
        }
        String byIndex = count == 1 ? "#p0" : "#p0 to #p" + (count - 1);
        return names != null ? "parameters: #" + String.join(", #", names) + ", or " + byIndex : "parameters: " + byIndex;
    }

    /** The variables the expression reads, without {@code #this} and {@code #root}. */
    private static List<String> variables(SpelNode node, List<String> found) {
        if (node instanceof VariableReference) {
            String name = node.toStringAST().substring(1);
            if (!name.equals("this") && !name.equals("root")) {
                found.add(name);
            }
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            variables(node.getChild(i), found);
        }
        return found;
    }
}
