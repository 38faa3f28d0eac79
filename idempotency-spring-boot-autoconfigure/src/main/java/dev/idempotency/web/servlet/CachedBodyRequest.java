package dev.idempotency.web.servlet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/** A request whose body is its exchange's {@link CachedBody}, read up front to fingerprint it. */
final class CachedBodyRequest extends HttpServletRequestWrapper {

    private final CachedBody body;
    private BufferedReader reader;

    CachedBodyRequest(HttpServletRequest request, CachedBody body) {
        super(request);
        this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
        return body.stream();
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
            reader = new BufferedReader(new InputStreamReader(body.stream(), charset));
        }
        return reader;
    }

    @Override
    public int getContentLength() {
        long length = body.length();
        return length >= 0 ? (int) length : super.getContentLength();
    }

    @Override
    public long getContentLengthLong() {
        long length = body.length();
        return length >= 0 ? length : super.getContentLengthLong();
    }
}
