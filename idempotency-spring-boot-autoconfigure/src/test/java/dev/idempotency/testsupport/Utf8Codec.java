package dev.idempotency.testsupport;

import java.nio.charset.StandardCharsets;

import dev.idempotency.engine.ResultCodec;

/** Stores a text result as UTF-8; {@code replayPrefix} marks what it decodes, so a replay is told apart. */
public record Utf8Codec(String replayPrefix) implements ResultCodec<String> {

    /** Decodes the text as it was stored. */
    public static final Utf8Codec PLAIN = new Utf8Codec("");

    @Override
    public byte[] encode(String result) {
        return result.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
        return replayPrefix + new String(bytes, StandardCharsets.UTF_8);
    }
}
