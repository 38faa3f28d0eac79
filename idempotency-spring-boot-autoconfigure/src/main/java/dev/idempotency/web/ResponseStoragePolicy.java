package dev.idempotency.web;

import java.util.Set;

/**
 * Which responses of a handler that started are stored and replayed. A response that is not
 * stored releases the key, so a retry runs the handler again.
 *
 * <p>Stored: every 2xx and 3xx (a redirect after a POST is the outcome of work that ran: a retry
 * that ran again would create a second resource), and when {@code storeClientErrors} is on, every
 * 4xx except {@code neverStored} (by default 408, 409, 425 and 429: answers that ask for a
 * retry). When {@code storeServerErrors} is on (Stripe's behaviour), every 5xx too, and an
 * exception that escapes the handler is stored as a 500 problem. Never stored: 1xx (interim
 * answers, not outcomes) and {@code neverStored}.
 */
public record ResponseStoragePolicy(boolean storeClientErrors, boolean storeServerErrors, Set<Integer> neverStored) {

    /** The default: 2xx, 3xx and the handler's own 4xx except 408, 409, 425 and 429. */
    public static final ResponseStoragePolicy DEFAULT = new ResponseStoragePolicy(true, false, Set.of(408, 409, 425, 429));

    /**
     * Copies {@code neverStored}.
     *
     * @param storeClientErrors whether 4xx responses are stored
     * @param storeServerErrors whether 5xx responses, and exceptions escaping the handler, are stored
     * @param neverStored statuses never stored, whatever the two switches say
     * @throws NullPointerException when {@code neverStored} or one of its statuses is {@code null}
     */
    public ResponseStoragePolicy {
        neverStored = Set.copyOf(neverStored);
    }

    /**
     * Whether a response with {@code status} is kept for replay.
     *
     * @param status the response's HTTP status
     * @return {@code true} when it is stored; {@code false} when the key is to be released
     */
    public boolean stores(int status) {
        if (neverStored.contains(status)) {
            return false;
        }
        return (status >= 200 && status < 400) || (storeClientErrors && status >= 400 && status < 500)
                || (storeServerErrors && status >= 500 && status < 600);
    }
}
