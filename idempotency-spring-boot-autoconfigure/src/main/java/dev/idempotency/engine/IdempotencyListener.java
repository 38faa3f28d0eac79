package dev.idempotency.engine;

/**
 * Told of what the engine does, for metrics, traces and alerts: each request from its start to
 * its {@link Outcome}, a claim lost while its work ran, a request run unprotected because the
 * storage failed, a result that could not be stored. Methods get the storage's name or a short,
 * non-reversible label of the key, never the key. Implementations must be fast and must not
 * throw.
 */
public interface IdempotencyListener {

    /** Listens to nothing. */
    IdempotencyListener NONE = new IdempotencyListener() {
    };

    /**
     * A request starts on {@code storage}; the returned handle is told its outcome exactly once,
     * possibly on another thread (an async HTTP request ends where its result is written).
     *
     * @param storage the storage's {@link dev.idempotency.storage.IdempotencyStorage#name() name}
     * @return the handle to tell the request's outcome; {@link Execution#NONE} by default
     */
    default Execution started(String storage) {
        return Execution.NONE;
    }

    /** One request, from its start to its outcome. */
    @FunctionalInterface
    interface Execution {

        /** Ignores the outcome. */
        Execution NONE = outcome -> {
        };

        /**
         * The request ended with {@code outcome}.
         *
         * @param outcome how it ended
         */
        void finished(Outcome outcome);
    }

    /**
     * A lease renewal found the key owned by someone else: the work's result will not be stored.
     *
     * @param keyLabel a short, non-reversible label of the key
     */
    default void leaseLost(String keyLabel) {
    }

    /**
     * The storage failed and {@link FailureMode#FAIL_OPEN} let the work run without protection.
     *
     * @param keyLabel a short, non-reversible label of the key
     */
    default void failedOpen(String keyLabel) {
    }

    /**
     * Storing a result kept failing until the retry window ended; the key stays held until its lease ends.
     *
     * @param keyLabel a short, non-reversible label of the key
     */
    default void completionAbandoned(String keyLabel) {
    }
}
