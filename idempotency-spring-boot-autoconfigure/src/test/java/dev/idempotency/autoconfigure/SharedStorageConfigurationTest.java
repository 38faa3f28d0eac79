package dev.idempotency.autoconfigure;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.engine.ClaimOutcome;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.testsupport.StoreProcess;
import dev.idempotency.testsupport.TestServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void anUnreachableNatsStartsTheApplicationAndAnswersThatTheStorageIsUnavailableNamingTheServersProperty() {
        runner.withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.servers=nats://127.0.0.1:1",
                "idempotency.storage.timeout=500ms").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThatThrownBy(() -> context.getBean(IdempotencyStorage.class).ping())
                            .as("the health check's ping").isInstanceOf(IdempotencyStorageException.class)
                            .hasMessageContaining("nats://127.0.0.1:1")
                            .hasMessageContaining("idempotency.storage.nats.servers");
                    assertThatThrownBy(() -> context.getBean(IdempotencyKeeper.class).claim(
                            new IdempotencyKey("test", "k"), RequestFingerprint.builder().add("p").build()))
                            .as("a claim, answered 503 over HTTP").isInstanceOf(IdempotencyStorageException.class);
                });
    }

    @Test
    void aNatsThatStartsAfterTheApplicationServesItsClaimsWithoutARestart() throws Exception {
        String bucket = "it-conf-" + UUID.randomUUID().toString().substring(0, 8);
        try (StoreProcess nats = StoreProcess.natsJetStream()) {
            nats.kill();
            runner.withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.servers=" + nats.url("nats"),
                    "idempotency.storage.nats.bucket=" + bucket, "idempotency.storage.timeout=500ms").run(context -> {
                        assertThat(context).hasNotFailed();
                        IdempotencyKeeper keeper = context.getBean(IdempotencyKeeper.class);
                        IdempotencyKey key = new IdempotencyKey("test", "late-nats");
                        RequestFingerprint fingerprint = RequestFingerprint.builder().add("p").build();
                        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                                .isInstanceOf(IdempotencyStorageException.class);

                        nats.restart();

                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        ClaimOutcome outcome = null;
                        while (outcome == null) {
                            try {
                                outcome = keeper.claim(key, fingerprint);
                            }
                            catch (IdempotencyStorageException notYet) {
                                assertThat(System.nanoTime()).as("NATS serves claims once it answers").isLessThan(deadline);
                                Thread.sleep(200);
                            }
                        }
                        assertThat(outcome).isInstanceOf(OwnedKey.class);
                        context.getBean(IdempotencyStorage.class).ping();
                    });
        }
    }

    private static String natsUrl() {
        return TestServer.resolve("NATS", "IDEMPOTENCY_TEST_NATS_URL", 4222,
                () -> new GenericContainer<>("nats:2.10-alpine").withCommand("-js").withExposedPorts(4222)).url("nats");
    }
}
