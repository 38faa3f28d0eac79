package dev.idempotency.sample;

import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.idempotency.testsupport.TestServer;

/** The idempotency keys a test's sample instances wrote to a Redis, found and removed by their prefix. */
final class RedisKeys {

    private final TestServer redis;

    RedisKeys(TestServer redis) {
        this.redis = redis;
    }

    /** Whether a key under {@code prefix} exists. */
    boolean exist(String prefix) {
        try (RedisClient client = client(); StatefulRedisConnection<String, String> connection = client.connect()) {
            return !connection.sync().keys(prefix + "*").isEmpty();
        }
    }

    /** Deletes every key under {@code prefix}. */
    void delete(String prefix) {
        try (RedisClient client = client(); StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> keys = connection.sync().keys(prefix + "*");
            if (!keys.isEmpty()) {
                connection.sync().del(keys.toArray(String[]::new));
            }
        }
    }

    private RedisClient client() {
        return RedisClient.create(RedisURI.create(redis.host(), redis.port()));
    }
}
