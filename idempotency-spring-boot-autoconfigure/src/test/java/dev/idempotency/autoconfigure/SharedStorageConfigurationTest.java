package dev.idempotency.autoconfigure;

import java.util.UUID;

import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.testsupport.TestServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The Redis and NATS storages are selected by property and built on the application's own clients. */
class SharedStorageConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class, DataRedisAutoConfiguration.class));

    @Test
    void redisIsBuiltOnBootsRedisConnectionFactory() {
        TestServer redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        runner.withPropertyValues("idempotency.storage.type=redis", "spring.data.redis.host=" + redis.host(),
                "spring.data.redis.port=" + redis.port()).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RedisIdempotencyStorage.class);
                    assertThat(context.getBean(IdempotencyStorage.class).name()).isEqualTo("redis");
                });
    }

    @Test
    void aReplicaAckTimeoutNoShorterThanTheRedisCommandTimeoutFailsStartUp() {
        runner.withPropertyValues("idempotency.storage.type=redis", "idempotency.storage.timeout=1s",
                "idempotency.storage.redis.replica-acks=1", "idempotency.storage.redis.replica-ack-timeout=1s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("idempotency.storage.redis.replica-ack-timeout (PT1S) must be shorter "
                                + "than the Redis command timeout (PT1S"));
    }

    @Test
    void natsUsesTheApplicationsOwnConnectionAndDoesNotOpenAnother() throws Exception {
        String bucket = "it-conf-" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection own = Nats.connect(natsUrl())) {
            runner.withBean("applicationConnection", Connection.class, () -> own)
                    .withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.bucket=" + bucket,
                            "idempotency.storage.nats.servers=nats://127.0.0.1:1")
                    .run(context -> {
                        assertThat(context).hasNotFailed().hasSingleBean(NatsIdempotencyStorage.class);
                        assertThat(context).getBeans(Connection.class).containsOnlyKeys("applicationConnection");
                        own.keyValueManagement().delete(bucket);
                    });
        }
    }

    @Test
    void withoutAnApplicationConnectionOneIsBuiltFromThePropertiesAndClosedOnShutdown() throws Exception {
        String bucket = "it-conf-" + UUID.randomUUID().toString().substring(0, 8);
        Connection[] built = new Connection[1];
        runner.withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.bucket=" + bucket,
                "idempotency.storage.nats.servers=" + natsUrl(), "idempotency.storage.nats.connection-name=conf-test")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(NatsIdempotencyStorage.class);
                    built[0] = context.getBean(Connection.class);
                    assertThat(built[0].getOptions().getConnectionName()).isEqualTo("conf-test");
                    built[0].keyValueManagement().delete(bucket);
                });
        assertThat(built[0].getStatus()).isEqualTo(Connection.Status.CLOSED);
    }

    @Test
    void anUnreachableNatsFailsStartUpNamingTheServersProperty() {
        runner.withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.servers=nats://127.0.0.1:1")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().hasMessageContaining("nats://127.0.0.1:1"));
    }

    private static String natsUrl() {
        return TestServer.resolve("NATS", "IDEMPOTENCY_TEST_NATS_URL", 4222,
                () -> new GenericContainer<>("nats:2.10-alpine").withCommand("-js").withExposedPorts(4222)).url("nats");
    }
}
