package dev.idempotency.aop;

import java.lang.reflect.Method;

import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.engine.ResultCodec;

/**
 * Stores a method's return value as JSON and reads it back as the method's declared generic
 * return type; {@code void} and {@code null} are stored as empty bytes and replayed as
 * {@code null}.
 */
final class JsonResultCodec implements ResultCodec<Object> {

    private static final byte[] NONE = new byte[0];

    private final JsonMapper jsonMapper;
    private final JavaType returnType;
    private final boolean returnsVoid;

    JsonResultCodec(JsonMapper jsonMapper, Method method) {
        this.jsonMapper = jsonMapper;
        this.returnType = jsonMapper.getTypeFactory().constructType(method.getGenericReturnType());
        this.returnsVoid = method.getReturnType() == void.class || method.getReturnType() == Void.class;
    }

    @Override
    public byte[] encode(Object result) {
        return result == null || returnsVoid ? NONE : jsonMapper.writeValueAsBytes(result);
    }

    @Override
    public Object decode(byte[] bytes) {
        return bytes.length == 0 ? null : jsonMapper.readValue(bytes, returnType);
    }
}
