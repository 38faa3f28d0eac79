package dev.idempotency.web;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;

/**
 * An HTTP response as stored for replay: status, the allowlisted headers in order, and the body
 * bytes exactly as first sent. A response too large to keep is stored as its status alone,
 * marked not {@link #replayable()}.
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
     * Writes this response as the answer to a retry, marked with {@value #REPLAYED_HEADER} and
     * {@code Cache-Control: no-store} (a replay is one client's answer, never a cacheable one).
     */
    public void replayTo(HttpServletResponse response) throws IOException {
        response.setStatus(status);
        for (Header header : headers) {
            response.addHeader(header.name(), header.value());
        }
        response.setHeader(REPLAYED_HEADER, "true");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The binary form the engine stores: format byte, status, header count, headers, body. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 64 * (headers.size() + 1));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(replayable ? FORMAT : FORMAT_NOT_REPLAYABLE);
            out.writeShort(status);
            out.writeShort(headers.size());
            for (Header header : headers) {
                out.writeUTF(header.name());
                out.writeUTF(header.value());
            }
            out.write(body);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    /** Reads what {@link #encode()} wrote. */
    public static StoredResponse decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_NOT_REPLAYABLE) {
                throw new IllegalStateException("The stored response is not in a format this version understands");
            }
            int status = in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Header[] headers = new Header[count];
            for (int i = 0; i < count; i++) {
                headers[i] = new Header(in.readUTF(), in.readUTF());
            }
            return new StoredResponse(status, List.of(headers), in.readAllBytes(), format == FORMAT);
        }
        catch (IOException ex) {
            throw new IllegalStateException("The stored response is truncated", ex);
        }
    }
}
