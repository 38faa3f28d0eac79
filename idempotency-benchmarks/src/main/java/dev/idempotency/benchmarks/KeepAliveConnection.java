package dev.idempotency.benchmarks;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 keep-alive connection to a loopback port, one request at a time. Deliberately
 * minimal (no pooling, no redirects, no TLS), so that on a machine whose cores the server under
 * test shares, the load generator's own cost per request stays small next to the server's.
 */
final class KeepAliveConnection implements AutoCloseable {

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final StringBuilder line = new StringBuilder(128);
    private boolean lastWasReplay;

    KeepAliveConnection(int port) throws IOException {
        this.port = port;
        open();
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = socket.getOutputStream();
    }

    /**
     * Sends {@code request} (complete, with its own {@code Content-Length}) and reads the whole
     * response. When the server closes the connection, opens a new one for the next request.
     *
     * @return the response status
     */
    int exchange(byte[] request) throws IOException {
        try {
            out.write(request);
            out.flush();
            return readResponse();
        }
        catch (IOException ex) {
            reopen();
            throw ex;
        }
    }

    /** Whether the last response carried {@code Idempotent-Replayed}. */
    boolean lastWasReplay() {
        return lastWasReplay;
    }

    private int readResponse() throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("Not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = 0;
        boolean chunked = false;
        boolean close = false;
        lastWasReplay = false;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon);
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = Long.parseLong(value);
            }
            else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            }
            else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
            else if (name.equalsIgnoreCase("Idempotent-Replayed")) {
                lastWasReplay = true;
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(readLine().trim(), 16); size > 0; size = Long.parseLong(readLine().trim(), 16)) {
                skip(size);
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
        }
        else {
            skip(contentLength);
        }
        if (close) {
            reopen();
        }
        return status;
    }

    private String readLine() throws IOException {
        line.setLength(0);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("The server closed the connection");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private void skip(long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("The server closed the connection in a response body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private void reopen() throws IOException {
        close();
        open();
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Closing a loopback socket: nothing to do about a failure.
        }
    }

    /** A {@code POST} of {@code body} as JSON with an idempotency key, ready to write. */
    static byte[] post(int port, String path, String key, byte[] body) {
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Idempotency-Key: " + key + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }
}
