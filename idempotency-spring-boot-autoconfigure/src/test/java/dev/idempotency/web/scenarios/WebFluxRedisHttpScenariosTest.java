package dev.idempotency.web.scenarios;

import java.util.UUID;

import org.testcontainers.containers.GenericContainer;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.idempotency.testsupport.TestServer;

/**
 * The HTTP scenarios on WebFlux with the Redis storage, which claims through Lettuce's reactive
 * API: no blocking storage call on an event loop, Reactor Netty's or Lettuce's.
 */
class WebFluxRedisHttpScenariosTest extends WebFluxHttpScenariosTest {

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestServer redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        registry.add("idempotency.storage.type", () -> "redis");
        registry.add("idempotency.key-prefix", () -> "it-scenarios-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        registry.add("spring.data.redis.host", redis::host);
        registry.add("spring.data.redis.port", redis::port);
    }
}
