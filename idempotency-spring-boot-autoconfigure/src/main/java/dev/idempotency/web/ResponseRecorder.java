package dev.idempotency.web;

import java.io.InputStream;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.ResultWriter;

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
        endingOf(status, overflowed, headers, size, body).end(key);
    }

    /**
     * How a claim ends with a complete response, for a caller that ends it itself (without
     * blocking: {@link Ending#endAsync}); see {@link #record}.
     */
    public Ending endingOf(int status, boolean overflowed, Function<String, ? extends Collection<String>> headers,
            int size, InputStream body) {
        if (!policy.stores(status)) {
            return new Ending(null, "a " + status + " response");
        }
        if (overflowed) {
            return notReplayable(status);
        }
        return new Ending(StoredResponse.captured(status, replayedHeaders.capture(headers), size, body), null);
    }

    /** The handler ran but its response, with {@code status}, was never written: processed, not replayable. */
    public void recordNotReplayable(OwnedKey key, int status) {
        notReplayable(status).end(key);
    }

    /** How {@link #recordNotReplayable} ends a claim. */
    public Ending notReplayable(int status) {
        return new Ending(StoredResponse.notReplayable(status).encoding(), null);
    }

    /**
     * Work ended after its client had been answered (a timeout's 409): the result cannot be
     * replayed, as nothing wrote it. Recorded as processed, with {@code status}, when the policy
     * stores a response of that status (a result, or a client error); released when it does not
     * (a failure), so a retry runs again.
     */
    public void recordAfterItsAnswer(OwnedKey key, int status) {
        afterItsAnswer(status).end(key);
    }

    /** How {@link #recordAfterItsAnswer} ends a claim. */
    public Ending afterItsAnswer(int status) {
        return policy.stores(status) ? notReplayable(status)
                : new Ending(null, "work that failed after its request had been answered");
    }

    /** Work whose end cannot be seen was given up waiting for: recorded as accepted (202) and processed. */
    public void recordUnseen(OwnedKey key) {
        recordNotReplayable(key, HttpStatus.ACCEPTED.value());
    }

    /**
     * How a claim ends: completed with {@code stored}, or released after {@code releasedAfter}.
     *
     * @param stored the stored response's encoding, or {@code null} when the key is released
     * @param releasedAfter what the release follows, for the log line of a release that fails
     */
    public record Ending(ResultWriter stored, String releasedAfter) {

        /** Ends the claim on the calling thread; never throws. */
        public void end(OwnedKey key) {
            if (stored != null) {
                key.complete(stored);
            }
            else {
                release(key, releasedAfter);
            }
        }

        /** Ends the claim without blocking the calling thread; the stage never completes exceptionally. */
        public CompletionStage<Void> endAsync(OwnedKey key) {
            if (stored != null) {
                return key.completeAsync(stored).handle((done, failure) -> null);
            }
            return key.releaseAsync().handle((released, failure) -> {
                if (failure != null) {
                    releaseFailed(key, releasedAfter, failure);
                }
                return null;
            });
        }
    }

    /** Releases {@code key} without blocking the calling thread; a failure is logged as {@link #release} logs it. */
    public void releaseAsync(OwnedKey key, String after) {
        new Ending(null, after).endAsync(key);
    }

    /** Releases {@code key}; a storage that fails leaves it in progress until its lease ends, which is logged. */
    public static void release(OwnedKey key, String after) {
        try {
            key.release();
        }
        catch (RuntimeException ex) {
            releaseFailed(key, after, ex);
        }
    }

    private static void releaseFailed(OwnedKey key, String after, Throwable ex) {
        logger.warn("Could not release idempotency key {} after {}; it stays in progress until its lease ends",
                key.logId(), after, ex);
    }
}
