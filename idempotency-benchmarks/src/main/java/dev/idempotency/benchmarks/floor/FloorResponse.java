package dev.idempotency.benchmarks.floor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletResponse;

/**
 * A response as the floor stores it: status, {@code Content-Type}, {@code Location} and body,
 * after a first byte of 1 (a claim's is 0).
 */
record FloorResponse(int status, String contentType, String location, byte[] body) {

    private static final byte COMPLETED = 1;

    byte[] encode() {
        byte[] type = bytes(contentType);
        byte[] where = bytes(location);
        return ByteBuffer.allocate(1 + 4 + 4 + type.length + 4 + where.length + body.length).put(COMPLETED)
                .putInt(status).putInt(type.length).put(type).putInt(where.length).put(where).put(body).array();
    }

    /** @return the response stored, or {@code null} when {@code stored} is a claim in progress */
    static FloorResponse decode(byte[] stored) {
        if (stored[0] != COMPLETED) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(stored, 1, stored.length - 1);
        int status = in.getInt();
        String type = string(in);
        String where = string(in);
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new FloorResponse(status, type, where, body);
    }

    /** Writes the response, marked as a replay as the library marks one. */
    void replayTo(HttpServletResponse response) throws IOException {
        response.setStatus(status);
        if (contentType != null) {
            response.setContentType(contentType);
        }
        if (location != null) {
            response.setHeader("Location", location);
        }
        response.setHeader("Idempotent-Replayed", "true");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static byte[] bytes(String value) {
        return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
