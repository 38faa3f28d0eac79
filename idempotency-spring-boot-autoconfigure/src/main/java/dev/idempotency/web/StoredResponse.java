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

/**
 * An HTTP response as stored for replay: status, the allowlisted headers in order, and the body
 * bytes exactly as first sent.
 */
public record StoredResponse(int status, List<Header> headers, byte[] body) {

    /** The response header that marks a replay. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private static final byte FORMAT = 1;

    public StoredResponse {
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** One header line. */
    public record Header(String name, String value) {
    }

    /** Writes this response as the answer to a retry, marked with {@value #REPLAYED_HEADER}. */
    public void replayTo(HttpServletResponse response) throws IOException {
        response.setStatus(status);
        for (Header header : headers) {
            response.addHeader(header.name(), header.value());
        }
        response.setHeader(REPLAYED_HEADER, "true");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The binary form the engine stores: format byte, status, header count, headers, body. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 64 * (headers.size() + 1));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
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
            if (in.readByte() != FORMAT) {
                throw new IllegalStateException("The stored response is not in a format this version understands");
            }
            int status = in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Header[] headers = new Header[count];
            for (int i = 0; i < count; i++) {
                headers[i] = new Header(in.readUTF(), in.readUTF());
            }
            return new StoredResponse(status, List.of(headers), in.readAllBytes());
        }
        catch (IOException ex) {
            throw new IllegalStateException("The stored response is truncated", ex);
        }
    }
}
