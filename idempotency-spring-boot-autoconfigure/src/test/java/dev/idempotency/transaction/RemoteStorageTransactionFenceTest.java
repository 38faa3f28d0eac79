package dev.idempotency.transaction;

import java.time.Duration;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import io.nats.client.Connection;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.containers.GenericContainer;

import dev.idempotency.engine.IdempotencyClaimLostException;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.nats.NatsBucketProvisioner;
import dev.idempotency.storage.nats.NatsBucketSettings;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;
import dev.idempotency.storage.nats.NatsTestServer;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.testsupport.TestDatabase;
import dev.idempotency.testsupport.TestServer;

import static dev.idempotency.transaction.TransactionFenceFixture.LEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The opt-in fence on the storages outside the application's database (Redis and NATS; the orders
 * in PostgreSQL): an owner-checked renewal just before the commit, which keeps a holder whose key
 * was taken over from committing, and a claim that is never released once its transaction
 * committed. Without the fence the stale holder commits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteStorageTransactionFenceTest {

    private HikariDataSource pool;
    private LettuceConnectionFactory redis;
    private Connection nats;
    private String bucket;
    private RedisIdempotencyStorage redisStorage;
    private NatsIdempotencyStorage natsStorage;
    private TransactionFenceFixture fixture;

    @BeforeAll
    void connect() throws Exception {
        pool = TestDatabase.postgresql().pool(4);
        TestServer server = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        redis = new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port()));
        redis.afterPropertiesSet();
        redis.start();
        redisStorage = new RedisIdempotencyStorage(redis);
        nats = NatsTestServer.connect();
        bucket = NatsTestServer.bucketName();
        new NatsBucketProvisioner(nats)
                .ensure(new NatsBucketSettings(bucket, 1, StorageType.File, Duration.ZERO, false), Duration.ofMinutes(5));
        natsStorage = new NatsIdempotencyStorage(nats, bucket);
    }

    @AfterAll
    void disconnect() throws Exception {
        if (redis != null) {
            redis.destroy();
        }
        if (nats != null) {
            NatsTestServer.deleteBucket(nats, bucket);
            nats.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    Stream<Arguments> storages() {
        return Stream.of(Arguments.of("Redis", redisStorage), Arguments.of("NATS", natsStorage));
    }

    @BeforeEach
    void newFixture() {
        fixture = new TransactionFenceFixture(pool);
    }

    /** Deletes this test's keys: evicting them through a keeper removes the entry and its start mark. */
    @AfterEach
    void closeFixture() {
        for (IdempotencyStorage storage : new IdempotencyStorage[] {redisStorage, natsStorage}) {
            IdempotencyKeeper cleaner = fixture.keeper(storage, LEASE, false);
            for (IdempotencyKey key : fixture.keysUsed()) {
                cleaner.evict(key);
            }
        }
        fixture.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storages")
    void withTheFenceAHolderWhoseKeyWasTakenOverCannotCommit(String name, IdempotencyStorage storage) {
        assertThatThrownBy(() -> fixture.takeOverBeforeTheHolderCommits(storage, true))
                .isInstanceOf(IdempotencyClaimLostException.class);

        fixture.assertOnlyTheNewOwnersOrderCommitted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storages")
    void withoutTheFenceAHolderWhoseKeyWasTakenOverCommitsItsWorkToo(String name, IdempotencyStorage storage) {
        assertThat(fixture.takeOverBeforeTheHolderCommits(storage, false)).isEqualTo("stale order");

        assertThat(fixture.orders("stale")).as("the stale holder's order").isOne();
        assertThat(fixture.orders("new-owner")).isOne();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storages")
    void withTheFenceAWorkThatFailsAfterItsTransactionCommittedNeverRunsAgain(String name, IdempotencyStorage storage) {
        fixture.assertAWorkThatFailsAfterItsCommitNeverRunsAgain(fixture.keeper(storage, LEASE, true));
    }
}
