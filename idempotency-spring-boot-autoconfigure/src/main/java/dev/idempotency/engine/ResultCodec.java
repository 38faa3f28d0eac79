package dev.idempotency.engine;

/** Turns a work's result into the bytes the engine stores, and back for a replay. */
public interface ResultCodec<T> {

    /**
     * Encodes a result for storage.
     *
     * @param result the work's result, possibly {@code null}
     * @return the bytes to store
     * @throws RuntimeException when the result cannot be encoded; the engine then ends the key as
     *     run without a result to replay
     */
    byte[] encode(T result);

    /**
     * Decodes what {@link #encode} wrote.
     *
     * @param bytes the stored bytes
     * @return the result they encode
     * @throws RuntimeException when the bytes do not decode
     */
    T decode(byte[] bytes);
}
