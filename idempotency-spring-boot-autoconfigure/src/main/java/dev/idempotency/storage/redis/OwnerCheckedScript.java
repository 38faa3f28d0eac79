package dev.idempotency.storage.redis;

import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * A Lua script that does its work only for the owner: unless {@code KEYS[1]} starts with the owner
 * header in {@code ARGV[1]}, it runs its "not owned" part (by default: answer 0), else its body.
 * The text, and so the SHA-1, never changes. Spring's {@code DefaultRedisScript} can be reloaded from a changing source, so it takes
 * a lock on every call to hand out its SHA-1 (and its static source a second one); shared by every
 * thread, those locks were taken by every completion and renewal. Here the SHA-1 is computed once.
 */
final class OwnerCheckedScript implements RedisScript<Boolean> {

    private final String text;
    private final String sha1;

    /** A script that answers 0 when the key is not owned. */
    OwnerCheckedScript(String body) {
        this(body, "return 0\n");
    }

    /** A script that runs {@code notOwned}, which must return, when the key is not owned. */
    OwnerCheckedScript(String body, String notOwned) {
        this.text = "if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) ~= ARGV[1] then\n" + notOwned + "end\n"
                + body;
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
