package dev.idempotency.web.servlet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the body of a protected request is read to fingerprint it: a declared length exactly, a body
 * of unknown length up to one byte past the limit, and a body that does not match its declared
 * length as one of unknown length; whatever was read, the handler reads the whole body from one
 * stream.
 */
class CachedBodyTest {

    private static final int MAX = 64;
    private static final long UNKNOWN = -1;

    @Test
    void aBodyOfItsDeclaredLengthIsFingerprintedAndPassedOnWhole() throws Exception {
        CachedBody body = read(bytes(28), 28);

        assertThat(body.bytes()).isEqualTo(bytes(28));
        assertThat(body.length()).isEqualTo(28);
        assertThat(body.stream().readAllBytes()).isEqualTo(bytes(28));
        assertThat(read(bytes(28), UNKNOWN).bytes()).isEqualTo(bytes(28));
    }

    @Test
    void anEmptyBodyOfDeclaredLengthZeroIsFingerprintedAsEmpty() throws Exception {
        assertThat(read(new byte[0], 0).bytes()).isEmpty();
        assertThat(read(new byte[0], UNKNOWN).bytes()).isEmpty();
    }

    @Test
    void aBodyOfExactlyTheLimitIsWithinIt() throws Exception {
        assertThat(read(bytes(MAX), MAX).bytes()).isEqualTo(bytes(MAX));
        assertThat(read(bytes(MAX), UNKNOWN).bytes()).isEqualTo(bytes(MAX));
    }

    @Test
    void aBodyLongerThanItsDeclaredLengthIsFingerprintedWholeWhenWithinTheLimit() throws Exception {
        CachedBody body = read(bytes(40), 10);

        assertThat(body.bytes()).isEqualTo(bytes(40));
        assertThat(body.stream().readAllBytes()).isEqualTo(bytes(40));
    }

    @Test
    void aBodyLongerThanItsDeclaredLengthAndTheLimitIsTooLargeButReachesTheHandlerWhole() throws Exception {
        CachedBody body = read(bytes(MAX + 50), 10);

        assertThat(body.bytes()).isNull();
        assertThat(body.length()).isEqualTo(-1);
        assertThat(body.stream().readAllBytes()).isEqualTo(bytes(MAX + 50));
    }

    @Test
    void aBodyOneByteLongerThanItsDeclaredLengthOfExactlyTheLimitIsTooLarge() throws Exception {
        assertThat(read(bytes(MAX + 1), MAX).bytes()).isNull();
    }

    @Test
    void aBodyShorterThanItsDeclaredLengthIsFingerprintedAsWhatArrived() throws Exception {
        assertThat(read(bytes(20), 28).bytes()).isEqualTo(bytes(20));
    }

    @Test
    void aBodyOfUnknownLengthAboveTheLimitIsTooLargeButReachesTheHandlerWhole() throws Exception {
        CachedBody body = read(bytes(MAX * 3), UNKNOWN);

        assertThat(body.bytes()).isNull();
        assertThat(body.stream().readAllBytes()).isEqualTo(bytes(MAX * 3));
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsTooLargeWithoutReadingTheBody() throws Exception {
        MockHttpServletRequest request = request(bytes(MAX + 1), MAX + 1);

        assertThat(CachedBody.read(request, MAX)).isNull();
        assertThat(request.getInputStream().readAllBytes()).isEqualTo(bytes(MAX + 1));
    }

    @Test
    void aDeclaredLengthAboveThePresizedLimitIsReadAsItArrivesAndFingerprintedTheSame() throws Exception {
        int large = 4 * CachedBody.PRESIZED_BODY_LIMIT;
        int length = CachedBody.PRESIZED_BODY_LIMIT + 1;

        assertThat(CachedBody.read(request(bytes(length), length), large).bytes()).isEqualTo(bytes(length));
    }

    @Test
    void aDeclaredLengthIsReadIntoOneArrayOfThatSize() throws IOException {
        CountingStream body = new CountingStream(bytes(28));

        byte[] read = CachedBody.readDeclared(body, 28, MAX);

        assertThat(read).isEqualTo(bytes(28));
        assertThat(body.largestRead).isEqualTo(28);
    }

    @Test
    void everyReaderOfTheBodyReadsOnFromWhereTheLastStopped() throws Exception {
        CachedBody body = read(bytes(28), 28);
        CachedBodyRequest first = new CachedBodyRequest(new MockHttpServletRequest(), body);
        CachedBodyRequest forwarded = new CachedBodyRequest(new MockHttpServletRequest(), body);

        byte[] head = first.getInputStream().readNBytes(10);
        byte[] rest = forwarded.getInputStream().readAllBytes();

        assertThat(first.getInputStream()).isSameAs(forwarded.getInputStream());
        assertThat(head).isEqualTo(java.util.Arrays.copyOf(bytes(28), 10));
        assertThat(rest).isEqualTo(java.util.Arrays.copyOfRange(bytes(28), 10, 28));
    }

    private static CachedBody read(byte[] body, long declaredLength) throws IOException {
        return CachedBody.read(request(body, declaredLength), MAX);
    }

    private static MockHttpServletRequest request(byte[] body, long declaredLength) {
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
        return request;
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
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
