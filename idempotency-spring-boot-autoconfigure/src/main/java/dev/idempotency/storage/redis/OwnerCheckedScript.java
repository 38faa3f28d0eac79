package dev.idempotency.storage.redis;

import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * A Lua script that does its work only for the owner: it answers 0 unless {@code KEYS[1]} starts
 * with the owner header in {@code ARGV[1]}, else runs its body. The text, and so the SHA-1, never
 * changes. Spring's {@code DefaultRedisScript} can be reloaded from a changing source, so it takes
 * a lock on every call to hand out its SHA-1 (and its static source a second one); shared by every
 * thread, those locks were taken by every completion and renewal. Here the SHA-1 is computed once.
 */
final class OwnerCheckedScript implements RedisScript<Boolean> {

    private static final String UNLESS_OWNED_RETURN_0 = """
            if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) ~= ARGV[1] then
                return 0
            end
            """;

    private final String text;
    private final String sha1;

    OwnerCheckedScript(String body) {
        this.text = UNLESS_OWNED_RETURN_0 + body;
        this.sha1 = DigestUtils.sha1DigestAsHex(text);
    }

    @Override
    public String getSha1() {
        return sha1;
    }

    @Override
    public Class<Boolean> getResultType() {
        return Boolean.class;
    }

    @Override
    public String getScriptAsString() {
        return text;
    }
}
