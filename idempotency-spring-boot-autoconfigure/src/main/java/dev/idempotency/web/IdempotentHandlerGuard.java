package dev.idempotency.web;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.method.HandlerMethod;

import dev.idempotency.engine.ClaimOutcome;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.OwnedKey;

/**
 * Decides, as a handler method is about to start, whether it runs: claims the request's key when
 * the route is protected. Called after Spring MVC has bound and validated the arguments, so a
 * request refused before the handler starts never claims a key.
 */
public final class IdempotentHandlerGuard {

    private final IdempotencyKeeper keeper;
    private final IdempotentRoutes routes;
    private final IdempotencyKeyHeader header;

    public IdempotentHandlerGuard(IdempotencyKeeper keeper, IdempotentRoutes routes, IdempotencyKeyHeader header) {
        this.keeper = keeper;
        this.routes = routes;
        this.header = header;
    }

    /**
     * Claims the key of {@code request} for {@code handler} when its route is protected.
     *
     * @return the stored response to replay instead of running the handler, or {@code null} when
     *     the handler is to run (the claim, if any, is recorded for the filter to end)
     * @throws MissingIdempotencyKeyException when the route requires a key and there is none
     * @throws InvalidIdempotencyKeyException when the key header is malformed
     * @throws dev.idempotency.engine.IdempotencyException when the key is in progress or was
     *     used for another request
     * @throws dev.idempotency.storage.IdempotencyStorageException when the storage cannot answer
     */
    public StoredResponse admit(HttpServletRequest request, HandlerMethod handler) {
        IdempotentRoutes.Protection protection = routes.protectionOf(request, handler);
        if (protection == IdempotentRoutes.Protection.NONE) {
            return null;
        }
        IdempotentExchange exchange = IdempotentExchange.of(request);
        String key = exchange == null ? null : header.parse(request.getHeaders(header.name()));
        if (key == null) {
            if (protection == IdempotentRoutes.Protection.KEY_REQUIRED) {
                throw new MissingIdempotencyKeyException("This operation requires an " + header.name()
                        + " header: send a unique key, for example a UUID, and reuse it when you retry.");
            }
            return null;
        }
        ClaimOutcome outcome = keeper.claim(new IdempotencyKey(scopeOf(request), key), exchange.fingerprint(request));
        if (outcome instanceof ClaimOutcome.Replay replay) {
            return StoredResponse.decode(replay.result());
        }
        exchange.own((OwnedKey) outcome);
        return null;
    }

    /** The authenticated principal's name, so one client never receives another's response. */
    private static String scopeOf(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        return principal == null ? "" : principal.getName();
    }
}
