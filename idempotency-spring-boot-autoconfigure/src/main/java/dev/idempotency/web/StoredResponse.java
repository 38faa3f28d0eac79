package dev.idempotency.web;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.springframework.http.HttpHeaders;

import dev.idempotency.engine.ResultWriter;

/**
 * An HTTP response as stored for replay: status, the allowlisted headers in order, and the body
 * bytes exactly as first sent. The record of a request that ran without a response to keep (too
 * large, or not written) is its status alone, marked not {@link #replayable()}.
 *
 * <p>Encoded as: one format byte ({@code 1}, or {@code 2} when not replayable), the status and
 * the header count as two-byte unsigned integers, each header's name and value as
 * {@link java.io.DataOutput#writeUTF} writes them (a two-byte length, then modified UTF-8), and
 * the body bytes to the end.
 */
public record StoredResponse(int status, List<Header> headers, byte[] body, boolean replayable) {

    /** The response header that marks a replay. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private static final byte FORMAT = 1;
    private static final byte FORMAT_NOT_REPLAYABLE = 2;

    public StoredResponse(int status, List<Header> headers, byte[] body) {
        this(status, headers, body, true);
    }

    /** The record of a response that was sent but is not kept: its status only. */
    public static StoredResponse notReplayable(int status) {
        return new StoredResponse(status, List.of(), new byte[0], false);
    }

    public StoredResponse {
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** One header line. */
    public record Header(String name, String value) {
    }

    /**
     * The headers a replay sets over the stored ones: {@value #REPLAYED_HEADER} marks it, and
     * {@code Cache-Control: no-store} keeps it out of caches (a replay is one client's answer,
     * never a cacheable one).
     */
    public static final List<Header> REPLAY_MARKS = List.of(new Header(REPLAYED_HEADER, "true"),
            new Header(HttpHeaders.CACHE_CONTROL, "no-store"));

    /** The binary form the engine stores (see the class description). */
    public byte[] encode() {
        return encodingOf().toByteArray();
    }

    /** The binary form of {@link #encode()}, written by the engine straight into the entry it stores. */
    public ResultWriter encoding() {
        return encodingOf();
    }

    private Encoding encodingOf() {
        return new Encoding(replayable ? FORMAT : FORMAT_NOT_REPLAYABLE, status, headers, body.length,
                (target, offset) -> System.arraycopy(body, 0, target, offset, body.length));
    }

    /**
     * The value of {@code Access-Control-Expose-Headers} that lets browser scripts read the
     * replay marker too, which CORS hides unless exposed.
     *
     * @param exposed the value the response has, or {@code null}
     */
    public static String exposingReplayMarker(String exposed) {
        return exposed == null || exposed.isBlank() ? REPLAYED_HEADER : exposed + ", " + REPLAYED_HEADER;
    }

    /**
     * The binary form of a replayable response whose body is still in the capture buffer, written
     * by the engine straight into the entry it stores: the body is copied once, from the capture
     * buffer into that entry. The same bytes as {@link #encode()} of that response.
     *
     * @param size the number of bytes {@code body} holds
     */
    public static ResultWriter captured(int status, List<Header> headers, int size, InputStream body) {
        return new Encoding(FORMAT, status, headers, size, (target, offset) -> {
            try (body) {
                if (body.readNBytes(target, offset, size) != size) {
                    throw new IllegalStateException("The captured response body changed while it was stored");
                }
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws IllegalStateException when {@code encoded} is not a stored response this version
     *     understands, or is cut short
     */
    public static StoredResponse decode(byte[] encoded) {
        ByteBuffer in = ByteBuffer.wrap(encoded);
        try {
            byte format = in.get();
            if (format != FORMAT && format != FORMAT_NOT_REPLAYABLE) {
                throw new IllegalStateException("The stored response is not in a format this version understands");
            }
            int status = Short.toUnsignedInt(in.getShort());
            int count = Short.toUnsignedInt(in.getShort());
            Header[] headers = new Header[count];
            for (int i = 0; i < count; i++) {
                headers[i] = new Header(getUtf(in), getUtf(in));
            }
            byte[] body = Arrays.copyOfRange(encoded, in.position(), encoded.length);
            return new StoredResponse(status, List.of(headers), body, format == FORMAT);
        }
        catch (BufferUnderflowException ex) {
            throw new IllegalStateException("The stored response is truncated", ex);
        }
    }

    /** Reads what {@link java.io.DataOutput#writeUTF} wrote; ASCII, which header values are in practice, without a decoder. */
    private static String getUtf(ByteBuffer in) {
        int start = in.position();
        int length = Short.toUnsignedInt(in.getShort());
        int from = in.position();
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        in.position(from + length);
        byte[] bytes = in.array();
        for (int i = from; i < from + length; i++) {
            if (bytes[i] <= 0) {
                return readUtf(bytes, start, 2 + length);
            }
        }
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }

    private static String readUtf(byte[] bytes, int offset, int length) {
        try {
            return new DataInputStream(new ByteArrayInputStream(bytes, offset, length)).readUTF();
        }
        catch (IOException ex) {
            throw new IllegalStateException("The stored response has a malformed header", ex);
        }
    }

    /** Writes a body of known length into the encoding. */
    private interface BodyWriter {

        void writeTo(byte[] target, int offset);
    }

    /** The encoding of one response, its length known before anything is written. */
    private static final class Encoding implements ResultWriter {

        private static final int MAX_UTF_LENGTH = 0xFFFF;

        private final byte format;
        private final int status;
        private final List<Header> headers;
        private final BodyWriter body;
        private final int length;

        Encoding(byte format, int status, List<Header> headers, int bodyLength, BodyWriter body) {
            if (headers.size() > 0xFFFF) {
                throw new IllegalArgumentException("A stored response holds at most 65535 headers");
            }
            this.format = format;
            this.status = status;
            this.headers = headers;
            this.body = body;
            int length = 1 + Short.BYTES + Short.BYTES + bodyLength;
            for (Header header : headers) {
                length += Short.BYTES + utfLength(header.name()) + Short.BYTES + utfLength(header.value());
            }
            this.length = length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public void writeTo(byte[] target, int offset) {
            ByteBuffer out = ByteBuffer.wrap(target, offset, length);
            out.put(format).putShort((short) status).putShort((short) headers.size());
            for (Header header : headers) {
                putUtf(out, header.name());
                putUtf(out, header.value());
            }
            body.writeTo(target, out.position());
        }

        byte[] toByteArray() {
            byte[] encoded = new byte[length];
            writeTo(encoded, 0);
            return encoded;
        }

        /** The length {@link java.io.DataOutput#writeUTF} gives {@code text}, without its two-byte prefix. */
        private static int utfLength(String text) {
            int length = text.length();
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == 0 || c >= 0x80) {
                    length += c < 0x800 ? 1 : 2;
                }
            }
            if (length > MAX_UTF_LENGTH) {
                throw new IllegalArgumentException("A header of a stored response is at most " + MAX_UTF_LENGTH
                        + " bytes long, this one is " + length);
            }
            return length;
        }

        /** Writes {@code text} as {@link java.io.DataOutput#writeUTF} does. */
        private static void putUtf(ByteBuffer out, String text) {
            out.putShort((short) utfLength(text));
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c != 0 && c < 0x80) {
                    out.put((byte) c);
                }
                else if (c < 0x800) {
                    out.put((byte) (0xC0 | (c >> 6))).put((byte) (0x80 | (c & 0x3F)));
                }
                else {
                    out.put((byte) (0xE0 | (c >> 12))).put((byte) (0x80 | ((c >> 6) & 0x3F)))
                            .put((byte) (0x80 | (c & 0x3F)));
                }
            }
        }
    }
}
