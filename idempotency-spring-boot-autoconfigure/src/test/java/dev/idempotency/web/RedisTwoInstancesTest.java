package dev.idempotency.web;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.testcontainers.containers.GenericContainer;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.idempotency.testsupport.TestServer;

/** Two instances sharing one real Redis. */
public class RedisTwoInstancesTest extends TwoInstancesSharingOneStoreTest {

    private final String prefix = "it-two-" + UUID.randomUUID().toString().substring(0, 8) + ".";

    @Override
    protected Map<String, Object> storeProperties() {
        TestServer redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        return Map.of("idempotency.storage.type", "redis", "idempotency.key-prefix", prefix,
                "spring.data.redis.host", redis.host(), "spring.data.redis.port", redis.port());
    }

    @Override
    protected void cleanUp(ConfigurableApplicationContext context) {
        StringRedisTemplate redis = new StringRedisTemplate(
                context.getBean(org.springframework.data.redis.connection.RedisConnectionFactory.class));
        Set<String> keys = redis.keys(prefix + "*");
        if (keys != null && !keys.isEmpty()) {
            redis.delete(keys);
        }
    }
}
