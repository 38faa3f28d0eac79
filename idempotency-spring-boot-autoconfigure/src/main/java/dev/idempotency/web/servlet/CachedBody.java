package dev.idempotency.web.servlet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The body of a protected request, read before the handler's arguments are bound so that it can
 * be fingerprinted: up to one byte past the limit, then handed on as one stream that starts with
 * those bytes and goes on with whatever was not read. One per exchange: every reader (a forward's
 * handler too) reads on from where the last one stopped, as from the container's own stream.
 * Spring's {@code ContentCachingRequestWrapper} keeps only what the handler reads, which is too
 * late: the fingerprint is needed before the handler runs.
 */
final class CachedBody {

    /**
     * The largest declared length read into an array allocated up front. A larger body is read as
     * it arrives: a client that declares a megabyte and sends nothing must not make its connection
     * hold a megabyte.
     */
    static final int PRESIZED_BODY_LIMIT = 64 * 1024;

    private final byte[] head;
    private final boolean complete;
    private final ServletInputStream stream;

    private CachedBody(byte[] head, boolean complete, InputStream rest) {
        this.head = head;
        this.complete = complete;
        this.stream = new OneStream(complete ? new ByteArrayInputStream(head)
                : new SequenceInputStream(new ByteArrayInputStream(head), rest));
    }

    /**
     * Reads the body of {@code request} up to one byte past {@code max}.
     *
     * @return the body, or {@code null} when its declared length is above {@code max} (nothing is
     *     read then, and the request keeps its own stream)
     */
    static CachedBody read(HttpServletRequest request, int max) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > max) {
            return null;
        }
        InputStream body = request.getInputStream();
        // readNBytes(max + 1) starts with an 8 KB buffer, however small the body: read a declared length exactly.
        byte[] head = declared >= 0 && declared <= PRESIZED_BODY_LIMIT ? readDeclared(body, (int) declared, max)
                : body.readNBytes(max + 1);
        return new CachedBody(head, head.length <= max, body);
    }

    /**
     * Reads a body of declared {@code length} into one array of that size. A body that goes on past
     * its declared length is read on, up to one byte past {@code max}, as a body of unknown length
     * is; one that ends early is what was read.
     */
    static byte[] readDeclared(InputStream body, int length, int max) throws IOException {
        byte[] declared = new byte[length];
        int read = body.readNBytes(declared, 0, length);
        if (read < length) {
            return Arrays.copyOf(declared, read);
        }
        int next = body.read();
        if (next == -1) {
            return declared;
        }
        byte[] rest = body.readNBytes(max - length);
        byte[] head = Arrays.copyOf(declared, length + 1 + rest.length);
        head[length] = (byte) next;
        System.arraycopy(rest, 0, head, length + 1, rest.length);
        return head;
    }

    /** The whole body, when it is within the limit; {@code null} when it is larger. */
    byte[] bytes() {
        return complete ? head : null;
    }

    /** The length of the whole body, or -1 when it was larger than the limit (and so is not known). */
    long length() {
        return complete ? head.length : -1;
    }

    /** The one stream every reader of this exchange's body reads from. */
    ServletInputStream stream() {
        return stream;
    }

    /** Reads what was read up front, then the rest of the container's stream. */
    private static final class OneStream extends ServletInputStream {

        private final InputStream in;
        private volatile boolean finished;

        OneStream(InputStream in) {
            this.in = in;
        }

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
    }
}
