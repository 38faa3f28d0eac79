package dev.idempotency.web.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UnsupportedEncodingException;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.springframework.http.HttpHeaders;
import org.springframework.util.FastByteArrayOutputStream;

/**
 * The response of a claimed request, held back until it is stored, so that a client that
 * disconnects still finds it on retry. Up to a limit only: a body that grows past it is sent on,
 * what was held first, and streams to the client from then on; it is then recorded as not
 * replayable. Spring's {@code ContentCachingResponseWrapper} holds a body of any size.
 */
final class ResponseCapture extends HttpServletResponseWrapper {

    private final int limit;
    /**
     * Blocks from 256 bytes, each next one twice as large, never copied: a small JSON answer holds
     * one small array rather than a kilobyte, a large one a few blocks.
     */
    private final FastByteArrayOutputStream held = new FastByteArrayOutputStream(256);
    private final ServletOutputStream stream = new CapturingStream();
    private PrintWriter writer;
    private boolean overflowed;
    private boolean errorSent;

    /** @param limit the most bytes held; a longer body streams on */
    ResponseCapture(HttpServletResponse response, long limit) {
        super(response);
        this.limit = (int) Math.min(limit, Integer.MAX_VALUE - 8);
    }

    @Override
    public ServletOutputStream getOutputStream() {
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws UnsupportedEncodingException {
        if (writer == null) {
            writer = new PrintWriter(new OutputStreamWriter(stream, getCharacterEncoding()));
        }
        return writer;
    }

    /** Held: nothing may reach the client before the response is stored. Streaming: passed on. */
    @Override
    public void flushBuffer() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        if (overflowed) {
            super.flushBuffer();
        }
    }

    @Override
    public void resetBuffer() {
        held.reset();
        super.resetBuffer();
    }

    @Override
    public void reset() {
        held.reset();
        super.reset();
    }

    /** The body comes from the error page the container dispatches to; see {@link #errorSent()}. */
    @Override
    public void sendError(int status) throws IOException {
        held.reset();
        errorSent = true;
        super.sendError(status);
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        held.reset();
        errorSent = true;
        super.sendError(status, message);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        held.reset();
        super.sendRedirect(location);
    }

    /** Whether the response is an error whose body the container's error dispatch is to write. */
    boolean errorSent() {
        return errorSent;
    }

    /** Whether the body grew past the limit and streamed to the client, so it was not kept. */
    boolean overflowed() {
        return overflowed;
    }

    /** The number of body bytes held; flushes the writer first. */
    int heldSize() throws IOException {
        flushBuffer();
        return held.size();
    }

    /** The body bytes held. */
    InputStream heldContent() {
        return held.getInputStream();
    }

    /** Sends what is held to the client, with its length; nothing when the body streamed. */
    void sendHeld() throws IOException {
        int size = heldSize();
        if (overflowed || size == 0) {
            return;
        }
        HttpServletResponse response = (HttpServletResponse) getResponse();
        if (!response.isCommitted() && response.getHeader(HttpHeaders.TRANSFER_ENCODING) == null) {
            response.setContentLength(size);
        }
        held.writeTo(response.getOutputStream());
        held.reset();
    }

    /** Holds what is written up to the limit, then sends it on and streams. */
    private final class CapturingStream extends ServletOutputStream {

        @Override
        public void write(int b) throws IOException {
            if (!overflowed && held.size() + 1 > limit) {
                overflow();
            }
            if (overflowed) {
                getResponse().getOutputStream().write(b);
            }
            else {
                held.write(b);
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (!overflowed && held.size() + length > limit) {
                overflow();
            }
            if (overflowed) {
                getResponse().getOutputStream().write(bytes, offset, length);
            }
            else {
                held.write(bytes, offset, length);
            }
        }

        private void overflow() throws IOException {
            overflowed = true;
            held.writeTo(getResponse().getOutputStream());
            held.reset();
        }

        @Override
        public void flush() throws IOException {
            if (overflowed) {
                getResponse().getOutputStream().flush();
            }
        }

        /** A close while held is ignored: the body is still to be stored, then sent. */
        @Override
        public void close() throws IOException {
            if (overflowed) {
                getResponse().getOutputStream().close();
            }
        }

        @Override
        public boolean isReady() {
            return !overflowed || outputStream().isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            outputStream().setWriteListener(listener);
        }

        private ServletOutputStream outputStream() {
            try {
                return getResponse().getOutputStream();
            }
            catch (IOException ex) {
                throw new IllegalStateException("The response's output stream is not available", ex);
            }
        }
    }
}
