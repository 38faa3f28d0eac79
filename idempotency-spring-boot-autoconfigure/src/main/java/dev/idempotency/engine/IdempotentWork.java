package dev.idempotency.engine;

/** The work an idempotency key protects: run at most once per key. */
@FunctionalInterface
public interface IdempotentWork<T, E extends Throwable> {

    /**
     * Runs the work.
     *
     * @return the result, which the engine stores for replay
     * @throws E what the work throws; the engine gives the key back (see {@link OwnedKey#release()})
     *     and rethrows it unchanged
     */
    T run() throws E;
}
