package dev.idempotency.storage.redis;

import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * A Lua script whose text, and so whose SHA-1, never changes: the SHA-1 is computed once. Spring's
 * {@code DefaultRedisScript}, which {@code RedisScript.of} returns, can be reloaded from a changing
 * source, so it takes a lock on every call to hand out its SHA-1 (and its static source a second
 * one); shared by every thread, those locks would be taken by every claim, completion and renewal.
 *
 * @param <T> what the script answers
 */
class FixedScript<T> implements RedisScript<T> {

    private final String text;
    private final String sha1;
    private final Class<T> resultType;

    FixedScript(String text, Class<T> resultType) {
        this.text = text;
        this.sha1 = DigestUtils.sha1DigestAsHex(text);
        this.resultType = resultType;
    }

    @Override
    public final String getSha1() {
        return sha1;
    }

    @Override
    public final Class<T> getResultType() {
        return resultType;
    }

    @Override
    public final String getScriptAsString() {
        return text;
    }
}
