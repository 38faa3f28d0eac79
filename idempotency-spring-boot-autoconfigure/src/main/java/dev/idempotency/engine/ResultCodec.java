package dev.idempotency.engine;

/** Turns a work's result into the bytes the engine stores, and back for a replay. */
public interface ResultCodec<T> {

    byte[] encode(T result);

    T decode(byte[] bytes);
}
