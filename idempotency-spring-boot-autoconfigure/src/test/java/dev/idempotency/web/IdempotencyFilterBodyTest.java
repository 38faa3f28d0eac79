package dev.idempotency.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import dev.idempotency.engine.RequestFingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the filter reads a body to fingerprint it: a declared length exactly, a body of unknown
 * length up to one byte past the limit, and a body that does not match its declared length as
 * one of unknown length.
 */
class IdempotencyFilterBodyTest {

    private static final int MAX = 64;
    private static final long UNKNOWN = -1;

    private final IdempotencyFilter filter = filterWithLimit(MAX);

    @Test
    void aBodyOfItsDeclaredLengthIsFingerprintedAndPassedOnWhole() throws Exception {
        Passed passed = filter(bytes(28), 28);

        assertThat(passed.body).isEqualTo(bytes(28));
        assertThat(passed.contentLength).isEqualTo(28);
        assertWithinLimit(passed);
        assertThat(passed.fingerprint).isEqualTo(filter(bytes(28), UNKNOWN).fingerprint);
    }

    @Test
    void anEmptyBodyOfDeclaredLengthZeroIsFingerprintedAsEmpty() throws Exception {
        Passed passed = filter(new byte[0], 0);

        assertThat(passed.body).isEmpty();
        assertWithinLimit(passed);
        assertThat(passed.fingerprint).isEqualTo(filter(new byte[0], UNKNOWN).fingerprint);
    }

    @Test
    void aBodyOfExactlyTheLimitIsWithinIt() throws Exception {
        assertWithinLimit(filter(bytes(MAX), MAX));
        assertWithinLimit(filter(bytes(MAX), UNKNOWN));
    }

    @Test
    void aBodyLongerThanItsDeclaredLengthIsFingerprintedWholeWhenWithinTheLimit() throws Exception {
        Passed passed = filter(bytes(40), 10);

        assertThat(passed.body).isEqualTo(bytes(40));
        assertWithinLimit(passed);
        assertThat(passed.fingerprint).isEqualTo(filter(bytes(40), UNKNOWN).fingerprint);
    }

    @Test
    void aBodyLongerThanItsDeclaredLengthAndTheLimitIsTooLargeButReachesTheHandlerWhole() throws Exception {
        Passed passed = filter(bytes(MAX + 50), 10);

        assertTooLarge(passed);
        assertThat(passed.body).isEqualTo(bytes(MAX + 50));
    }

    @Test
    void aBodyOneByteLongerThanItsDeclaredLengthOfExactlyTheLimitIsTooLarge() throws Exception {
        assertTooLarge(filter(bytes(MAX + 1), MAX));
    }

    @Test
    void aBodyShorterThanItsDeclaredLengthIsFingerprintedAsWhatArrived() throws Exception {
        Passed passed = filter(bytes(20), 28);

        assertThat(passed.body).isEqualTo(bytes(20));
        assertWithinLimit(passed);
        assertThat(passed.fingerprint).isEqualTo(filter(bytes(20), UNKNOWN).fingerprint);
    }

    @Test
    void aBodyOfUnknownLengthAboveTheLimitIsTooLargeButReachesTheHandlerWhole() throws Exception {
        Passed passed = filter(bytes(MAX * 3), UNKNOWN);

        assertTooLarge(passed);
        assertThat(passed.body).isEqualTo(bytes(MAX * 3));
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsTooLargeWithoutReadingTheBody() throws Exception {
        Passed passed = filter(bytes(MAX + 1), MAX + 1);

        assertTooLarge(passed);
        assertThat(passed.request).isNotInstanceOf(CachedBodyRequest.class);
        assertThat(passed.body).isEqualTo(bytes(MAX + 1));
    }

    @Test
    void aDeclaredLengthAboveThePresizedLimitIsReadAsItArrivesAndFingerprintedTheSame() throws Exception {
        IdempotencyFilter large = filterWithLimit(4 * IdempotencyFilter.PRESIZED_BODY_LIMIT);
        int length = IdempotencyFilter.PRESIZED_BODY_LIMIT + 1;

        Passed passed = filter(large, bytes(length), length);

        assertThat(passed.body).isEqualTo(bytes(length));
        assertWithinLimit(passed);
        assertThat(passed.fingerprint).isEqualTo(filter(large, bytes(length), UNKNOWN).fingerprint);
    }

    @Test
    void aDeclaredLengthIsReadIntoOneArrayOfThatSize() throws IOException {
        CountingStream body = new CountingStream(bytes(28));

        byte[] read = IdempotencyFilter.readDeclared(body, 28, MAX);

        assertThat(read).isEqualTo(bytes(28));
        assertThat(body.largestRead).isEqualTo(28);
    }

    private static IdempotencyFilter filterWithLimit(int maxRequestBytes) {
        return new IdempotencyFilter(new IdempotencyKeyHeader("Idempotency-Key", 255), ResponseStoragePolicy.DEFAULT,
                new ReplayedHeaders(ReplayedHeaders.DEFAULT),
                new ProblemResponseWriter(JsonMapper.builder().build(), "urn:problem-type:idempotency:"),
                new IdempotencyFilter.SizeLimits(maxRequestBytes, 1024));
    }

    private Passed filter(byte[] body, long declaredLength) throws IOException, ServletException {
        return filter(filter, body, declaredLength);
    }

    private static Passed filter(IdempotencyFilter filter, byte[] body, long declaredLength)
            throws IOException, ServletException {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/orders") {

            @Override
            public int getContentLength() {
                return (int) declaredLength;
            }

            @Override
            public long getContentLengthLong() {
                return declaredLength;
            }
        };
        request.setContentType("application/json");
        request.setContent(body);
        request.addHeader("Idempotency-Key", "k-1");
        Passed passed = new Passed();
        filter.doFilter(request, new MockHttpServletResponse(), (handlerRequest, handlerResponse) -> {
            HttpServletRequest passedOn = (HttpServletRequest) handlerRequest;
            passed.request = passedOn;
            passed.contentLength = passedOn.getContentLengthLong();
            passed.exchange = IdempotentExchange.of(passedOn);
            passed.body = passedOn.getInputStream().readAllBytes();
        });
        if (passed.exchange != null && !passed.tooLarge()) {
            passed.fingerprint = passed.exchange.fingerprint(passed.request);
        }
        return passed;
    }

    private static void assertWithinLimit(Passed passed) {
        assertThat(passed.exchange).isNotNull();
        assertThatNoException().isThrownBy(passed.exchange::requireBodyWithinLimit);
    }

    private static void assertTooLarge(Passed passed) {
        assertThat(passed.exchange).isNotNull();
        assertThatThrownBy(passed.exchange::requireBodyWithinLimit).isInstanceOf(RequestTooLargeException.class);
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    /** What the filter passed on to the handler. */
    private static final class Passed {

        HttpServletRequest request;
        long contentLength;
        IdempotentExchange exchange;
        byte[] body;
        RequestFingerprint fingerprint;

        boolean tooLarge() {
            try {
                exchange.requireBodyWithinLimit();
                return false;
            }
            catch (RequestTooLargeException ex) {
                return true;
            }
        }
    }

    /** Records the largest read asked of it, to show the body is read in one piece. */
    private static final class CountingStream extends InputStream {

        private final ByteArrayInputStream in;
        int largestRead;

        CountingStream(byte[] bytes) {
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            largestRead = Math.max(largestRead, length);
            assertThat(buffer.length).as("the array read into").isLessThanOrEqualTo(28);
            return in.read(buffer, offset, length);
        }
    }
}
