package dev.idempotency.web;

import java.util.Map;
import java.util.TreeMap;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.util.ContentCachingResponseWrapper;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;

/**
 * The idempotency state of one request that carries a key, kept as a request attribute from the
 * filter, through the handler's claim, to the end of the (possibly async) exchange.
 */
final class IdempotentExchange {

    private static final Logger logger = LoggerFactory.getLogger(IdempotentExchange.class);
    private static final String ATTRIBUTE = IdempotentExchange.class.getName();

    private final byte[] body;
    private OwnedKey owned;

    /** @param body the request body, or {@code null} for a form whose parameters stand for it */
    private IdempotentExchange(byte[] body) {
        this.body = body;
    }

    static IdempotentExchange start(HttpServletRequest request, byte[] body) {
        IdempotentExchange exchange = new IdempotentExchange(body);
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    static IdempotentExchange of(HttpServletRequest request) {
        return (IdempotentExchange) request.getAttribute(ATTRIBUTE);
    }

    /** SHA-256 over method, path, query and body (for a form, its sorted parameters). */
    RequestFingerprint fingerprint(HttpServletRequest request) {
        RequestFingerprint.Builder fingerprint = RequestFingerprint.builder()
                .add(request.getMethod())
                .add(request.getRequestURI())
                .add(request.getQueryString());
        if (body != null) {
            return fingerprint.add(body).build();
        }
        for (Map.Entry<String, String[]> parameter : new TreeMap<>(request.getParameterMap()).entrySet()) {
            fingerprint.add(parameter.getKey());
            for (String value : parameter.getValue()) {
                fingerprint.add(value);
            }
        }
        return fingerprint.build();
    }

    void own(OwnedKey key) {
        this.owned = key;
    }

    /** The handler failed with an exception: release the key so a retry runs again. */
    void fail(Throwable failure) {
        if (owned != null) {
            owned.releaseAfter(failure);
            owned = null;
        }
    }

    /** The response is complete: store it when the policy says so, else release the key. */
    void finish(ContentCachingResponseWrapper response, ResponseStoragePolicy policy, ReplayedHeaders replayed) {
        if (owned == null) {
            return;
        }
        OwnedKey key = owned;
        owned = null;
        int status = response.getStatus();
        if (policy.stores(status)) {
            key.complete(new StoredResponse(status, replayed.capture(response), response.getContentAsByteArray()).encode());
            return;
        }
        try {
            key.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release idempotency key {} after a {} response; it stays in progress until its "
                    + "lease ends", key.logId(), status, ex);
        }
    }
}
