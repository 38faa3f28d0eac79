package dev.idempotency.transaction;


import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.containers.GenericContainer;

import dev.idempotency.engine.IdempotencyClaimLostException;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.testsupport.TestDatabase;
import dev.idempotency.testsupport.TestServer;

import static dev.idempotency.transaction.TransactionFenceFixture.LEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The opt-in fence on a storage outside the application's database (Redis; the orders in
 * PostgreSQL): an owner-checked renewal just before the commit, which keeps a holder whose key was
 * taken over from committing, and a claim that is never released once its transaction committed.
 * Without the fence the stale holder commits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTransactionFenceTest {

    private HikariDataSource pool;
    private LettuceConnectionFactory redis;
    private RedisIdempotencyStorage storage;
    private TransactionFenceFixture fixture;

    @BeforeAll
    void connect() {
        pool = TestDatabase.postgresql().pool(4);
        TestServer server = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        redis = new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port()));
        redis.afterPropertiesSet();
        redis.start();
        storage = new RedisIdempotencyStorage(redis);
    }

    @AfterAll
    void disconnect() {
        if (redis != null) {
            redis.destroy();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @BeforeEach
    void newFixture() {
        fixture = new TransactionFenceFixture(pool);
    }

    /** Deletes this test's keys: evicting them through a keeper removes the entry and its start mark. */
    @AfterEach
    void closeFixture() {
        IdempotencyKeeper cleaner = fixture.keeper(storage, LEASE, false);
        for (IdempotencyKey key : fixture.keysUsed()) {
            cleaner.evict(key);
        }
        fixture.close();
    }

    @Test
    void withTheFenceAHolderWhoseKeyWasTakenOverCannotCommit() {
        assertThatThrownBy(() -> fixture.takeOverBeforeTheHolderCommits(storage, true))
                .isInstanceOf(IdempotencyClaimLostException.class);

        fixture.assertOnlyTheNewOwnersOrderCommitted();
    }

    @Test
    void withoutTheFenceAHolderWhoseKeyWasTakenOverCommitsItsWorkToo() {
        assertThat(fixture.takeOverBeforeTheHolderCommits(storage, false)).isEqualTo("stale order");

        assertThat(fixture.orders("stale")).as("the stale holder's order").isOne();
        assertThat(fixture.orders("new-owner")).isOne();
    }

    @Test
    void withTheFenceAWorkThatFailsAfterItsTransactionCommittedNeverRunsAgain() {
        fixture.assertAWorkThatFailsAfterItsCommitNeverRunsAgain(fixture.keeper(storage, LEASE, true));
    }
}
