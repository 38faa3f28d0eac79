package dev.idempotency.template;

import java.lang.reflect.Type;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.exc.InvalidDefinitionException;
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

    /**
     * Reads an empty object as the type: Jackson reports a type it cannot build at all (no
     * creator, an abstract type it is not told how to map) as an invalid definition, while any
     * other failure only says that {@code {}} is not a value of a type it can build.
     */
    Optional<String> whyUnreadable() {
        if (isVoid) {
            return Optional.empty();
        }
        try {
            jsonMapper.readValue("{}", resultType);
            return Optional.empty();
        }
        catch (InvalidDefinitionException ex) {
            return Optional.of(ex.getOriginalMessage());
        }
        catch (JacksonException ex) {
            return Optional.empty();
        }
    }
}
