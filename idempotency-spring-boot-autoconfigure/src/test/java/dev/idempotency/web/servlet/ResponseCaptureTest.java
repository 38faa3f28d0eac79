package dev.idempotency.web.servlet;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletResponse;

import dev.idempotency.engine.ResultWriter;
import dev.idempotency.web.StoredResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** A captured response is held up to its limit; past it, what was held goes first and the rest streams. */
class ResponseCaptureTest {

    private final MockHttpServletResponse client = new MockHttpServletResponse();
    private final ResponseCapture capture = new ResponseCapture(client, 8);

    @Test
    void aBodyOfExactlyTheLimitIsHeldUntilItIsSent() throws IOException {
        capture.getOutputStream().write(bytes(8));
        capture.flushBuffer();
        capture.getOutputStream().close();

        assertThat(capture.overflowed()).isFalse();
        assertThat(client.getContentAsByteArray()).isEmpty();
        assertThat(client.isCommitted()).isFalse();

        capture.sendHeld();
        assertThat(client.getContentAsByteArray()).isEqualTo(bytes(8));
        assertThat(client.getContentLength()).isEqualTo(8);
    }

    @Test
    void aBodyPastTheLimitStreamsOnStartingWithWhatWasHeld() throws IOException {
        capture.getOutputStream().write(bytes(6));
        capture.getOutputStream().write(bytes(6), 0, 3);

        assertThat(capture.overflowed()).isTrue();
        assertThat(client.getContentAsByteArray()).hasSize(9);
        assertThat(capture.heldSize()).isZero();

        capture.getOutputStream().write('z');
        assertThat(client.getContentAsByteArray()).hasSize(10);
    }

    @Test
    void whatTheWriterWroteIsHeldAndCountedOnceFlushed() throws IOException {
        capture.setCharacterEncoding("UTF-8");
        capture.getWriter().write("héllo");

        assertThat(capture.heldSize()).isEqualTo(6);
        assertThat(capture.heldContent().readAllBytes()).isEqualTo("héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void sendErrorDropsWhatWasHeld() throws IOException {
        capture.getOutputStream().write(bytes(4));

        capture.sendError(404);

        assertThat(capture.heldSize()).isZero();
        assertThat(client.getStatus()).isEqualTo(404);
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }

    @Test
    void aCapturedResponseIsWrittenAsItsEncodingAndStillReachesTheClient() throws IOException {
        MockHttpServletResponse client = new MockHttpServletResponse();
        ResponseCapture captured = new ResponseCapture(client, 1024 * 1024);
        // Larger than the capture buffer's first block, so the body spans several.
        byte[] body = new byte[5000];
        Arrays.fill(body, (byte) 'x');
        captured.getOutputStream().write(body);

        ResultWriter writer = StoredResponse.captured(201, List.of(new StoredResponse.Header("Content-Type", "text/plain")), captured.heldSize(), captured.heldContent());
        byte[] entry = new byte[7 + writer.length()];
        writer.writeTo(entry, 7);
        captured.sendHeld();

        byte[] expected = new StoredResponse(201, List.of(new StoredResponse.Header("Content-Type", "text/plain")), body).encode();
        assertThat(writer.length()).isEqualTo(expected.length);
        assertThat(Arrays.copyOfRange(entry, 7, entry.length)).isEqualTo(expected);
        assertThat(client.getContentAsByteArray()).isEqualTo(body);
    }
}
