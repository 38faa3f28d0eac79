package dev.idempotency.engine;

/**
 * A result that writes itself straight into the entry the engine stores, after the engine's own
 * header: a large result is then copied once, where encoding it into an array of its own first
 * would copy it twice. A result that is already bytes needs none of this.
 */
public interface ResultWriter {

    /** The number of bytes {@link #writeTo} writes. */
    int length();

    /** Writes exactly {@link #length()} bytes into {@code target}, starting at {@code offset}. */
    void writeTo(byte[] target, int offset);
}
