package dev.idempotency.engine;

/**
 * A result that writes itself straight into the entry the engine stores, after the engine's own
 * header: a large result is then copied once, where encoding it into an array of its own first
 * would copy it twice. A result that is already bytes needs none of this.
 */
public interface ResultWriter {

    /** {@return the number of bytes {@link #writeTo} writes} */
    int length();

    /**
     * Writes exactly {@link #length()} bytes into {@code target}, starting at {@code offset}.
     *
     * @param target the entry being encoded, with room for {@link #length()} bytes from {@code offset}
     * @param offset where the result starts in {@code target}
     */
    void writeTo(byte[] target, int offset);
}
