package dev.idempotency.web;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletResponse;

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
}
