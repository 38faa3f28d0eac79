package dev.idempotency.web;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.engine.ResultWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoredResponseTest {

    private static final List<StoredResponse.Header> HEADERS = List.of(
            new StoredResponse.Header("Content-Type", "application/json"),
            new StoredResponse.Header("Location", "/orders/0b6e4a4e-2f0c-4d7e-9a43-3f1f6c8f2d11"),
            new StoredResponse.Header("Link", "</a>; rel=\"x\""),
            new StoredResponse.Header("Link", "</b>; rel=\"y\""));

    private static final byte[] BODY = "{\"id\":\"0b6e4a4e\",\"item\":\"book\",\"quantity\":2}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void aResponseDecodesToItsStatusHeadersInOrderAndBodyByteForByte() {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        StoredResponse decoded = StoredResponse.decode(new StoredResponse(201, HEADERS, body).encode());

        assertThat(decoded.status()).isEqualTo(201);
        assertThat(decoded.headers()).containsExactlyElementsOf(HEADERS);
        assertThat(decoded.body()).isEqualTo(body);
        assertThat(decoded.replayable()).isTrue();
    }

    @Test
    void anEmptyBodyAndNoHeadersDecodeAsSuch() {
        StoredResponse decoded = StoredResponse.decode(new StoredResponse(204, List.of(), new byte[0]).encode());

        assertThat(decoded.status()).isEqualTo(204);
        assertThat(decoded.headers()).isEmpty();
        assertThat(decoded.body()).isEmpty();
        assertThat(decoded.replayable()).isTrue();
    }

    @Test
    void headersOutsideAsciiDecodeAsTheyWere() {
        List<StoredResponse.Header> headers = List.of(new StoredResponse.Header("Content-Disposition",
                "attachment; filename=\"caf\u00e9 \u20ac \uD83D\uDE00 nul\u0000.txt\""));

        StoredResponse decoded = StoredResponse.decode(new StoredResponse(200, headers, BODY).encode());

        assertThat(decoded.headers()).containsExactlyElementsOf(headers);
        assertThat(decoded.body()).isEqualTo(BODY);
    }

    @Test
    void aResponseNotKeptDecodesAsItsStatusAloneNotReplayable() {
        StoredResponse decoded = StoredResponse.decode(StoredResponse.notReplayable(201).encode());

        assertThat(decoded.status()).isEqualTo(201);
        assertThat(decoded.headers()).isEmpty();
        assertThat(decoded.body()).isEmpty();
        assertThat(decoded.replayable()).isFalse();
    }

    @Test
    void theEncodingIsTheFormatEarlierVersionsStored() {
        List<StoredResponse.Header> headers = List.of(new StoredResponse.Header("Content-Type", "text/plain"),
                new StoredResponse.Header("Content-Disposition", "attachment; filename=\"caf\u00e9 \u20ac.txt\""));
        StoredResponse response = new StoredResponse(422, headers, BODY);

        assertThat(response.encode()).isEqualTo(encodedAsEarlierVersions(response));
        assertThat(StoredResponse.notReplayable(201).encode())
                .isEqualTo(encodedAsEarlierVersions(StoredResponse.notReplayable(201)));
    }

    @Test
    void anEntryStoredByEarlierVersionsDecodes() {
        StoredResponse stored = new StoredResponse(201, HEADERS, BODY);

        StoredResponse decoded = StoredResponse.decode(encodedAsEarlierVersions(stored));

        assertThat(decoded.status()).isEqualTo(201);
        assertThat(decoded.headers()).containsExactlyElementsOf(HEADERS);
        assertThat(decoded.body()).isEqualTo(BODY);
        assertThat(decoded.replayable()).isTrue();
    }

    @Test
    void aCapturedEmptyBodyIsWrittenAsItsEncoding() {
        ResultWriter writer = StoredResponse.captured(204, List.of(), 0, new ByteArrayInputStream(new byte[0]));
        byte[] entry = new byte[writer.length()];
        writer.writeTo(entry, 0);

        assertThat(entry).isEqualTo(new StoredResponse(204, List.of(), new byte[0]).encode());
    }

    @Test
    void aTruncatedOrUnknownEntryIsRefused() {
        byte[] encoded = new StoredResponse(201, HEADERS, BODY).encode();

        assertThatThrownBy(() -> StoredResponse.decode(new byte[0])).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StoredResponse.decode(Arrays.copyOf(encoded, 20)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
        byte[] unknown = encoded.clone();
        unknown[0] = 9;
        assertThatThrownBy(() -> StoredResponse.decode(unknown)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("format");
    }

    @Test
    void aHeaderTooLongToEncodeIsRefused() {
        StoredResponse response = new StoredResponse(200,
                List.of(new StoredResponse.Header("Link", "x".repeat(65_536))), BODY);

        assertThatThrownBy(response::encode).isInstanceOf(IllegalArgumentException.class);
    }

    /** Format 1 and 2 as versions before the one-pass encoding wrote them, with {@link DataOutputStream}. */
    private static byte[] encodedAsEarlierVersions(StoredResponse response) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(response.replayable() ? 1 : 2);
            out.writeShort(response.status());
            out.writeShort(response.headers().size());
            for (StoredResponse.Header header : response.headers()) {
                out.writeUTF(header.name());
                out.writeUTF(header.value());
            }
            out.write(response.body());
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return bytes.toByteArray();
    }
}
