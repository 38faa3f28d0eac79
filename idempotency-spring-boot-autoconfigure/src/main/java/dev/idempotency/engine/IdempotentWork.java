package dev.idempotency.engine;

/** The work an idempotency key protects: run at most once per key. */
@FunctionalInterface
public interface IdempotentWork<T, E extends Throwable> {

    T run() throws E;
}
