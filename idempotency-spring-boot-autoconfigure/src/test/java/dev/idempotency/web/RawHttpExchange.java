package dev.idempotency.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends exact request bytes over a fresh socket and reads the whole answer, checking that it is
 * one complete HTTP/1.1 response. The request is written while the answer is read, so a server
 * that answers before reading a large body (and then closes) is still heard.
 */
final class RawHttpExchange {

    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "raw-http-writer");
        thread.setDaemon(true);
        return thread;
    });

    private RawHttpExchange() {
    }

    /** One parsed response; header names lower-cased, the body de-chunked. */
    record Response(int status, Map<String, List<String>> headers, byte[] body, byte[] raw) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }
    }

    /** Thrown when the bytes read are not one complete HTTP/1.1 response. */
    static final class IncompleteResponseException extends IOException {

        final byte[] raw;

        IncompleteResponseException(String message, byte[] raw) {
            super(message);
            this.raw = raw;
        }
    }

    static Response send(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    out.write(request);
                    out.flush();
                }
                catch (IOException closedEarly) {
                    // The server answered without reading the whole body and closed; its answer is read below.
                }
            }, WRITERS);
            byte[] raw = readAll(socket.getInputStream());
            writing.cancel(false);
            return parse(raw);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buffer)) != -1;) {
                read.write(buffer, 0, n);
            }
        }
        catch (SocketException reset) {
            // A reset after the answer: the parse below decides whether the answer is complete.
            if (read.size() == 0) {
                throw new IncompleteResponseException("connection reset before any answer: " + reset.getMessage(),
                        new byte[0]);
            }
        }
        return read.toByteArray();
    }

    /** Parses the final response, after any interim 1xx answers (such as 100 Continue). */
    static Response parse(byte[] raw) throws IncompleteResponseException {
        Response response = parseOne(raw);
        while (response.status() < 200) {
            response = parseOne(response.body());
        }
        return new Response(response.status(), response.headers(), response.body(), raw);
    }

    private static Response parseOne(byte[] raw) throws IncompleteResponseException {
        int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (headEnd < 0) {
            throw new IncompleteResponseException("no end of the header section", raw);
        }
        String head = new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n", -1);
        if (!lines[0].matches("HTTP/1\\.1 [1-5][0-9][0-9]( .*)?")) {
            throw new IncompleteResponseException("bad status line <" + lines[0] + ">", raw);
        }
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IncompleteResponseException("bad header line <" + lines[i] + ">", raw);
            }
            headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] rest = Arrays.copyOfRange(raw, headEnd + 4, raw.length);
        List<String> encoding = headers.get("transfer-encoding");
        List<String> length = headers.get("content-length");
        byte[] body;
        if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
            body = dechunk(rest, raw);
        }
        else if (length != null) {
            if (length.size() != 1 || Long.parseLong(length.get(0)) != rest.length) {
                throw new IncompleteResponseException("Content-Length " + length + " but " + rest.length + " body bytes", raw);
            }
            body = rest;
        }
        else if (status < 200) {
            // An interim answer: what follows is the next response; parse() goes on with it.
            return new Response(status, headers, rest, raw);
        }
        else if (status == 204 || status == 304) {
            if (rest.length != 0) {
                throw new IncompleteResponseException(rest.length + " bytes after a response without a body", raw);
            }
            body = rest;
        }
        else {
            if (!"close".equalsIgnoreCase(String.valueOf(headers.getOrDefault("connection", List.of("")).get(0)))) {
                throw new IncompleteResponseException("a body with neither length nor chunking on a kept-alive connection", raw);
            }
            body = rest;
        }
        return new Response(status, headers, body, raw);
    }

    private static byte[] dechunk(byte[] chunked, byte[] raw) throws IncompleteResponseException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = indexOf(chunked, new byte[] { '\r', '\n' }, at);
            if (lineEnd < 0) {
                throw new IncompleteResponseException("chunked body ends without its last chunk", raw);
            }
            String sizeLine = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1);
            int semicolon = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            }
            catch (NumberFormatException ex) {
                throw new IncompleteResponseException("bad chunk size <" + sizeLine + ">", raw);
            }
            at = lineEnd + 2;
            if (size == 0) {
                int trailerEnd = indexOf(chunked, new byte[] { '\r', '\n' }, at);
                if (trailerEnd != at || at + 2 != chunked.length) {
                    throw new IncompleteResponseException("bytes after the last chunk", raw);
                }
                return body.toByteArray();
            }
            if (at + size + 2 > chunked.length || chunked[at + size] != '\r' || chunked[at + size + 1] != '\n') {
                throw new IncompleteResponseException("truncated chunk of " + size + " bytes", raw);
            }
            body.write(chunked, at, size);
            at += size + 2;
        }
    }

    static int indexOf(byte[] bytes, byte[] part, int from) {
        outer:
        for (int i = from; i <= bytes.length - part.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Printable form of bytes: ASCII as is, everything else as \xNN, cut after {@code max} bytes. */
    static String escape(byte[] bytes, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, max); i++) {
            int b = bytes[i] & 0xFF;
            if (b == '\r') {
                out.append("\\r");
            }
            else if (b == '\n') {
                out.append("\\n\n");
            }
            else if (b == '\\') {
                out.append("\\\\");
            }
            else if (b >= 0x20 && b < 0x7F) {
                out.append((char) b);
            }
            else {
                out.append(String.format("\\x%02X", b));
            }
        }
        if (bytes.length > max) {
            out.append("... (").append(bytes.length).append(" bytes in all)");
        }
        return out.toString();
    }
}
