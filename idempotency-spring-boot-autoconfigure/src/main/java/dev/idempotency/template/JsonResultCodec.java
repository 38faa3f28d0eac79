package dev.idempotency.template;

import java.lang.reflect.Type;

import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.engine.ResultCodec;

/**
 * Stores a result as JSON and reads it back as a declared generic type; {@code void} and
 * {@code null} are stored as empty bytes and replayed as {@code null}.
 */
final class JsonResultCodec implements ResultCodec<Object> {

    private static final byte[] NONE = new byte[0];

    private final JsonMapper jsonMapper;
    private final JavaType resultType;
    private final boolean isVoid;

    JsonResultCodec(JsonMapper jsonMapper, Type resultType) {
        this.jsonMapper = jsonMapper;
        this.resultType = jsonMapper.getTypeFactory().constructType(resultType);
        this.isVoid = resultType == void.class || resultType == Void.class;
    }

    @Override
    public byte[] encode(Object result) {
        return result == null || isVoid ? NONE : jsonMapper.writeValueAsBytes(result);
    }

    @Override
    public Object decode(byte[] bytes) {
        return bytes.length == 0 ? null : jsonMapper.readValue(bytes, resultType);
    }
}
