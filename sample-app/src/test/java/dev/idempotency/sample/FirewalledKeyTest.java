package dev.idempotency.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key holding bytes 0x80 to 0x9F, which Spring Security's firewall refuses once the value is
 * read: a request the library does not protect answers as it would without the key, and a
 * protected one gets the invalid-key problem.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class FirewalledKeyTest {

    private static final byte[] KEY = { 'k', (byte) 0x85, 'e', (byte) 0x9F, 'y' };

    @LocalServerPort
    private int port;

    @Test
    void aGetWithTheKeyAnswersAsWithoutIt() throws IOException {
        String withKey = send("GET /orders HTTP/1.1\r\n", KEY, "");
        String withoutKey = send("GET /orders HTTP/1.1\r\n", null, "");

        assertThat(withKey).startsWith("HTTP/1.1 200");
        assertThat(body(withKey)).isEqualTo(body(withoutKey));
    }

    @Test
    void anUnknownPathWithTheKeyAnswersAsWithoutIt() throws IOException {
        assertThat(send("POST /no-such-path HTTP/1.1\r\n", KEY, "{}")).startsWith("HTTP/1.1 404");
        assertThat(send("POST /no-such-path HTTP/1.1\r\n", null, "{}")).startsWith("HTTP/1.1 404");
    }

    @Test
    void aProtectedRouteRefusesTheKeyWithTheInvalidKeyProblem() throws IOException {
        String response = send("POST /orders HTTP/1.1\r\n", KEY, SampleClient.order("book", 1));

        assertThat(response).startsWith("HTTP/1.1 400").contains("urn:problem-type:idempotency:invalid-key");
    }

    /** Sends exact bytes, which {@link java.net.http.HttpClient} would refuse in a header. */
    private String send(String requestLine, byte[] key, String body) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((requestLine + "Host: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        if (key != null) {
            request.writeBytes("Idempotency-Key: ".getBytes(StandardCharsets.ISO_8859_1));
            request.writeBytes(key);
            request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        request.writeBytes(("\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.toByteArray());
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
}
