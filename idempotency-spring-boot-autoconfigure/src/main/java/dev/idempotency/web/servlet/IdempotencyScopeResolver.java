package dev.idempotency.web.servlet;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;

import dev.idempotency.web.MissingIdempotencyScopeException;
import dev.idempotency.web.TenantHeaderScope;

/**
 * Decides the scope of a request's idempotency key: two requests share a key only when they
 * share a scope, so one client never receives another client's response. Define a bean of this
 * type to replace the built-in choice ({@code idempotency.web.scope}) in a servlet application.
 */
@FunctionalInterface
public interface IdempotencyScopeResolver {

    /**
     * The scope of {@code request}, for example the authenticated principal's name or a tenant id.
     *
     * @throws MissingIdempotencyScopeException when the request carries no scope where one is required
     */
    String scopeOf(HttpServletRequest request);

    /** The authenticated principal's name ({@code HttpServletRequest#getUserPrincipal}); empty when anonymous. */
    static IdempotencyScopeResolver principal() {
        return request -> {
            // Once: behind Spring Security each call resolves the security context's authentication anew.
            Principal principal = request.getUserPrincipal();
            return principal == null ? "" : principal.getName();
        };
    }

    /** The value of {@code headerName}; a request without it is refused with 400. */
    static IdempotencyScopeResolver header(String headerName) {
        TenantHeaderScope tenant = new TenantHeaderScope(headerName);
        return request -> tenant.scopeOf(request.getHeader(headerName));
    }
}
