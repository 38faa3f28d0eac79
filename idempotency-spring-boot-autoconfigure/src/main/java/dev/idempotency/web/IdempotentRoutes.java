package dev.idempotency.web;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import dev.idempotency.annotation.Idempotent;

/**
 * Which handler invocations are protected: methods annotated with {@link Idempotent}, and
 * requests whose HTTP method and path match the configured routes (Spring path patterns such as
 * {@code /payments/**}). Either way a request is claimed exactly once.
 */
public final class IdempotentRoutes {

    /** How a handler invocation is protected. */
    public enum Protection {
        /** Not opted in: runs as if this library were absent. */
        NONE,
        /** Protected when the request carries a key; runs unprotected without one. */
        KEY_OPTIONAL,
        /** Protected; a request without a key is refused with 400. */
        KEY_REQUIRED
    }

    private final List<PathPattern> paths;
    private final Set<String> methods;
    private final boolean keyRequired;

    /**
     * @param paths path patterns whose handlers are protected without an annotation
     * @param methods the HTTP methods those patterns apply to
     * @param keyRequired whether requests to those patterns must carry a key
     */
    public IdempotentRoutes(List<String> paths, Set<String> methods, boolean keyRequired) {
        this.paths = paths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.methods = methods.stream().map(method -> method.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.keyRequired = keyRequired;
    }

    /**
     * The protection of a handler serving a request.
     *
     * @param method the request's HTTP method
     * @param pathWithinApplication the request's path without the context path; asked for only when
     *     a configured route could match
     * @param annotation the handler method's {@link Idempotent}, or {@code null} when it has none
     */
    public Protection protectionOf(String method, Supplier<PathContainer> pathWithinApplication,
            Idempotent annotation) {
        if (annotation != null) {
            return annotation.required() ? Protection.KEY_REQUIRED : Protection.KEY_OPTIONAL;
        }
        if (paths.isEmpty() || !methods.contains(method)) {
            return Protection.NONE;
        }
        PathContainer path = pathWithinApplication.get();
        for (PathPattern pattern : paths) {
            if (pattern.matches(path)) {
                return keyRequired ? Protection.KEY_REQUIRED : Protection.KEY_OPTIONAL;
            }
        }
        return Protection.NONE;
    }
}
