package dev.idempotency.web;

import java.util.Set;

/**
 * Which responses of a handler that started are stored and replayed. A response that is not
 * stored releases the key, so a retry runs the handler again.
 *
 * <p>Stored: every 2xx, and when {@code storeClientErrors} is on, every 4xx except
 * {@code neverStored} (by default 408, 409, 425 and 429: answers that ask for a retry). Never
 * stored: 1xx, 3xx and 5xx.
 */
public record ResponseStoragePolicy(boolean storeClientErrors, Set<Integer> neverStored) {

    /** The default: 2xx and the handler's own 4xx except 408, 409, 425 and 429. */
    public static final ResponseStoragePolicy DEFAULT = new ResponseStoragePolicy(true, Set.of(408, 409, 425, 429));

    public ResponseStoragePolicy {
        neverStored = Set.copyOf(neverStored);
    }

    /** Whether a response with {@code status} is kept for replay. */
    public boolean stores(int status) {
        if (neverStored.contains(status)) {
            return false;
        }
        return (status >= 200 && status < 300) || (storeClientErrors && status >= 400 && status < 500);
    }
}
