package dev.idempotency.actuate;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.util.ClassUtils;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.KeyState;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.StoredResponse;

/**
 * The {@code idempotency} actuator endpoint: shows one HTTP idempotency key's state, or evicts it
 * so that a retry runs again. A key is addressed as a client sent it, with {@code scope} the
 * scope the request had: the authenticated principal's name (empty for anonymous requests), or
 * the tenant with {@code idempotency.web.scope=tenant-header}; the endpoint adds the HTTP
 * namespace ({@value HandlerAdmission#HTTP_SCOPE}). The stored body is shown only when
 * asked for.
 */
@Endpoint(id = "idempotency")
public class IdempotencyEndpoint {

    private static final boolean SERVLET_PRESENT = ClassUtils.isPresent("jakarta.servlet.http.HttpServletResponse",
            IdempotencyEndpoint.class.getClassLoader());

    private final IdempotencyKeeper keeper;

    /**
     * An endpoint over the engine's keys.
     *
     * @param keeper the engine that inspects and evicts keys
     */
    public IdempotencyEndpoint(IdempotencyKeeper keeper) {
        this.keeper = keeper;
    }

    /**
     * The state of {@code key}; {@code null} (404 over HTTP) when it is unknown or expired.
     *
     * @param scope the request's scope; empty or absent for anonymous requests
     * @param key the idempotency key as the client sent it
     * @param includeBody whether to include the stored body, base64-encoded
     * @param http {@code false} for a key of {@code IdempotencyTemplate} or of a bean method, whose
     *     scope is then taken exactly as it was given (a bean method's is {@code method:} followed
     *     by the class, the method and its parameter types); absent or {@code true} for an HTTP key
     * @return the key's state, or {@code null} when it is unknown or expired
     */
    @ReadOperation
    public @Nullable KeyDescriptor key(@Nullable String scope, String key, @Nullable Boolean includeBody,
            @Nullable Boolean http) {
        return keeper.inspect(keyOf(scope, key, http))
                .map(state -> describe(state, Boolean.TRUE.equals(includeBody)))
                .orElse(null);
    }

    /**
     * Deletes {@code key} whatever its state, so that a retry runs again.
     *
     * @param scope as for {@link #key}
     * @param key the idempotency key as the client sent it
     * @param http as for {@link #key}
     * @return whether there was a live entry to delete
     */
    @DeleteOperation
    public EvictionDescriptor evict(@Nullable String scope, String key, @Nullable Boolean http) {
        return new EvictionDescriptor(keeper.evict(keyOf(scope, key, http)));
    }

    private static IdempotencyKey keyOf(@Nullable String scope, String key, @Nullable Boolean http) {
        String given = scope == null ? "" : scope;
        return new IdempotencyKey(Boolean.FALSE.equals(http) ? given : HandlerAdmission.HTTP_SCOPE + given, key);
    }

    private static KeyDescriptor describe(KeyState state, boolean includeBody) {
        if (state.status() != KeyState.Status.COMPLETED) {
            return new KeyDescriptor(state.status().name().toLowerCase(Locale.ROOT), state.claimedAt(),
                    state.expiresAt(), null, null);
        }
        StoredResponse response = decode(state.result());
        Integer status = response == null ? null : response.status();
        byte[] body = response == null ? state.result() : response.body();
        return new KeyDescriptor("completed", state.claimedAt(), state.expiresAt(), status,
                includeBody ? Base64.getEncoder().encodeToString(body) : null);
    }

    private static @Nullable StoredResponse decode(byte[] result) {
        if (!SERVLET_PRESENT || result.length == 0) {
            return null;
        }
        try {
            return StoredResponse.decode(result);
        }
        catch (IllegalStateException ex) {
            return null; // not a stored HTTP response
        }
    }

    /**
     * One key's state. Both instants are in milliseconds, whatever precision the storage keeps, so
     * that an operator compares like with like.
     *
     * @param status {@code in_progress}, {@code completed}, or {@code abandoned}: started and never
     *     finished under {@code idempotency.takeover=never}, refused until evicted
     * @param claimedAt when the request that holds or completed the key claimed it
     * @param expiresAt when its lease or retention ends; absent when the storage cannot tell
     * @param responseStatus the stored HTTP status of a completed key
     * @param body the stored body, base64-encoded; only when asked for
     */
    public record KeyDescriptor(String status, Instant claimedAt, @Nullable Instant expiresAt,
            @Nullable Integer responseStatus, @Nullable String body) implements OperationResponseBody {

        /**
         * Truncates both instants to milliseconds.
         *
         * @param status the key's status
         * @param claimedAt when the key was claimed
         * @param expiresAt when its lease or retention ends, or {@code null}
         * @param responseStatus the stored HTTP status, or {@code null}
         * @param body the stored body, base64-encoded, or {@code null}
         */
        public KeyDescriptor {
            claimedAt = claimedAt.truncatedTo(ChronoUnit.MILLIS);
            expiresAt = expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.MILLIS);
        }
    }

    /** @param evicted whether there was a live entry to delete */
    public record EvictionDescriptor(boolean evicted) implements OperationResponseBody {
    }
}
