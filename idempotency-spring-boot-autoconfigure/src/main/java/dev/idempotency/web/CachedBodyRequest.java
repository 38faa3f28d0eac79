package dev.idempotency.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose body was read up front, to fingerprint it; the handler reads the same bytes
 * again, followed by whatever was not read. Spring's {@code ContentCachingRequestWrapper} caches
 * only what the handler reads, which is too late: the fingerprint is needed before the handler
 * runs.
 */
final class CachedBodyRequest extends HttpServletRequestWrapper {

    private final byte[] head;
    private final boolean complete;

    /**
     * @param head the bytes read so far
     * @param complete whether {@code head} is the whole body; when not, the rest is read from the
     *     original request after it
     */
    CachedBodyRequest(HttpServletRequest request, byte[] head, boolean complete) {
        super(request);
        this.head = head;
        this.complete = complete;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        InputStream in = complete ? new ByteArrayInputStream(head)
                : new SequenceInputStream(new ByteArrayInputStream(head), super.getInputStream());
        return new ServletInputStream() {

            private boolean finished;

            @Override
            public int read() throws IOException {
                int b = in.read();
                finished = b == -1;
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                finished = n == -1;
                return n;
            }

            @Override
            public boolean isFinished() {
                return finished;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException("The body was already read to fingerprint it");
            }
        };
    }

    @Override
    public BufferedReader getReader() throws IOException {
        String encoding = getCharacterEncoding();
        Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
        return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }

    @Override
    public int getContentLength() {
        return complete ? head.length : super.getContentLength();
    }

    @Override
    public long getContentLengthLong() {
        return complete ? head.length : super.getContentLengthLong();
    }
}
