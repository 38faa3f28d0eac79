package dev.idempotency.web;

import java.io.InputStream;
import java.util.Collection;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;

import dev.idempotency.engine.OwnedKey;

/**
 * Ends a claim from the response its handler gave, on every web stack alike: stored for replay
 * when the {@link ResponseStoragePolicy} keeps its status, recorded as processed without a
 * replayable response when it ran but its response cannot be kept (longer than the limit, never
 * written, or given after its client had been answered), released otherwise so a retry runs again.
 */
public final class ResponseRecorder {

    private static final Logger logger = LoggerFactory.getLogger(ResponseRecorder.class);

    private final ResponseStoragePolicy policy;
    private final ReplayedHeaders replayedHeaders;
    private final long maxResponseBytes;

    /** @param maxResponseBytes the most of a response held for storage; a longer one streams on, not kept */
    public ResponseRecorder(ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders, long maxResponseBytes) {
        this.policy = policy;
        this.replayedHeaders = replayedHeaders;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** Which responses are stored. */
    public ResponseStoragePolicy policy() {
        return policy;
    }

    /** The most of a response held for storage. */
    public long maxResponseBytes() {
        return maxResponseBytes;
    }

    /**
     * The response is complete: stores it when the policy says so (one that grew past the limit
     * as its status alone), else releases the key.
     *
     * @param overflowed whether the body grew past {@link #maxResponseBytes()} and was not kept
     * @param headers the values the response holds for a header name, empty when it has none
     * @param size the number of body bytes {@code body} holds
     */
    public void record(OwnedKey key, int status, boolean overflowed, Function<String, ? extends Collection<String>> headers,
            int size, InputStream body) {
        if (!policy.stores(status)) {
            release(key, "a " + status + " response");
            return;
        }
        if (overflowed) {
            recordNotReplayable(key, status);
            return;
        }
        key.complete(StoredResponse.captured(status, replayedHeaders.capture(headers), size, body));
    }

    /** The handler ran but its response, with {@code status}, was never written: processed, not replayable. */
    public void recordNotReplayable(OwnedKey key, int status) {
        key.complete(StoredResponse.notReplayable(status).encode());
    }

    /**
     * Work ended after its client had been answered (a timeout's 409): the result cannot be
     * replayed, as nothing wrote it. Recorded as processed, with {@code status}, when the policy
     * stores a response of that status (a result, or a client error); released when it does not
     * (a failure), so a retry runs again.
     */
    public void recordAfterItsAnswer(OwnedKey key, int status) {
        if (policy.stores(status)) {
            recordNotReplayable(key, status);
            return;
        }
        release(key, "work that failed after its request had been answered");
    }

    /** Work whose end cannot be seen was given up waiting for: recorded as accepted (202) and processed. */
    public void recordUnseen(OwnedKey key) {
        recordNotReplayable(key, HttpStatus.ACCEPTED.value());
    }

    /** Releases {@code key}; a storage that fails leaves it in progress until its lease ends, which is logged. */
    public static void release(OwnedKey key, String after) {
        try {
            key.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release idempotency key {} after {}; it stays in progress until its lease ends",
                    key.logId(), after, ex);
        }
    }
}
