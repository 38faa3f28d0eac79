package dev.idempotency.storage.redis;

/**
 * A Lua script that does its work only for the owner: unless {@code KEYS[1]} starts with the owner
 * header in {@code ARGV[1]}, it runs its "not owned" part (by default: answer 0), else its body.
 */
final class OwnerCheckedScript extends FixedScript<Boolean> {

    /** A script that answers 0 when the key is not owned. */
    OwnerCheckedScript(String body) {
        this(body, "return 0\n");
    }

    /** A script that runs {@code notOwned}, which must return, when the key is not owned. */
    OwnerCheckedScript(String body, String notOwned) {
        super("if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) ~= ARGV[1] then\n" + notOwned + "end\n" + body,
                Boolean.class);
    }
}
