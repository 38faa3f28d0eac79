package dev.idempotency.storage.redis;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.RedisReplication;
import dev.idempotency.testsupport.StoreProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RedisReplicaAcks} on a real primary and replica that this test starts: the replica is
 * paused with SIGSTOP, so nothing written meanwhile reaches it, and every write that waits for it
 * must be refused.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedisReplicaAcksTest {

    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final RedisReplicaAcks ONE_REPLICA = new RedisReplicaAcks(1, Duration.ofMillis(200));

    private static RedisReplication replication;
    private static LettuceConnectionFactory shared;
    private static LettuceConnectionFactory connectionPerCall;

    private final String prefix = "acks-" + UUID.randomUUID() + ".";
    private final RedisIdempotencyStorage storage = new RedisIdempotencyStorage(shared, ONE_REPLICA);
    private StoreProcess pausedReplica;

    @BeforeAll
    static void start() throws Exception {
        replication = RedisReplication.start();
        shared = connect(replication.primary(), true);
        connectionPerCall = connect(replication.primary(), false);
    }

    @AfterAll
    static void stop() {
        if (shared != null) {
            shared.destroy();
            connectionPerCall.destroy();
        }
        replication.close();
    }

    /** Thaws the replica, and waits until it acknowledges writes again: it catches up after SIGCONT, not at once. */
    @AfterEach
    void thawReplica() throws Exception {
        if (pausedReplica == null) {
            return;
        }
        pausedReplica.resume();
        pausedReplica = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                storage.attemptLock(prefix + "caught-up-" + UUID.randomUUID(), bytes("x"), LEASE);
                return;
            }
            catch (IdempotencyStorageException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void claimsCompletionsAndRenewalsSucceedWhileTheReplicaAcknowledges() {
        String key = prefix + "healthy";
        OwnerToken token = acquire(storage, key);
        assertThat(storage.extend(key, token, LEASE)).isTrue();
        assertThat(storage.complete(key, token, bytes("done"), LEASE)).isTrue();
        assertThat(onReplica(key)).as("the completed entry, on the replica").isEqualTo(RedisEntry.completed(bytes("done")).encode());
    }

    @Test
    void aClaimTheReplicaDoesNotAcknowledgeIsRefusedAndReleased() throws Exception {
        String key = prefix + "claim";
        pauseReplica();

        assertThatThrownBy(() -> storage.attemptLock(key, bytes("v"), LEASE))
                .isInstanceOf(IdempotencyStorageException.class)
                .hasMessageContaining("0 of 1 replica(s) acknowledged it within PT0.2S");
        assertThat(onPrimary(key)).as("the refused claim, released on the primary").isNull();

        thawReplica();
        acquire(storage, key);
    }

    @Test
    void aLosingClaimWroteNothingAndDoesNotWait() throws Exception {
        String key = prefix + "held";
        acquire(storage, key);
        pauseReplica();

        assertThat(storage.attemptLock(key, bytes("duplicate"), LEASE)).isInstanceOf(ClaimResult.Held.class);
    }

    @Test
    void aCompletionTheReplicaDoesNotAcknowledgeIsAStorageErrorAndItsRepeatAnswersTrue() throws Exception {
        String key = prefix + "complete";
        OwnerToken token = acquire(storage, key);
        pauseReplica();

        assertThatThrownBy(() -> storage.complete(key, token, bytes("done"), LEASE))
                .isInstanceOf(IdempotencyStorageException.class).hasMessageContaining("could not complete");

        thawReplica();
        assertThat(storage.complete(key, token, bytes("done"), LEASE)).isTrue();
        assertThat(onReplica(key)).isEqualTo(RedisEntry.completed(bytes("done")).encode());
    }

    @Test
    void aRepeatedCompletionOnAnotherConnectionWaitsForTheReplicaToo() throws Exception {
        String key = prefix + "repeat-elsewhere";
        OwnerToken token = acquire(storage, key);
        pauseReplica();
        assertThatThrownBy(() -> storage.complete(key, token, bytes("done"), LEASE))
                .isInstanceOf(IdempotencyStorageException.class);

        // A connection that sent nothing before: WAIT there covers only what the repeat itself writes.
        RedisIdempotencyStorage elsewhere = new RedisIdempotencyStorage(connectionPerCall, ONE_REPLICA);
        assertThatThrownBy(() -> elsewhere.complete(key, token, bytes("done"), LEASE))
                .isInstanceOf(IdempotencyStorageException.class).hasMessageContaining("0 of 1 replica(s)");
    }

    @Test
    void aRenewalTheReplicaDoesNotAcknowledgeIsAStorageError() throws Exception {
        String key = prefix + "extend";
        OwnerToken token = acquire(storage, key);
        pauseReplica();

        assertThatThrownBy(() -> storage.extend(key, token, LEASE))
                .isInstanceOf(IdempotencyStorageException.class).hasMessageContaining("could not extend");
    }

    @Test
    void withAConnectionPerCallTheWaitStillGoesOnTheConnectionThatWrote() throws Exception {
        RedisIdempotencyStorage perCall = new RedisIdempotencyStorage(connectionPerCall, ONE_REPLICA);
        String key = prefix + "per-call";
        pauseReplica();

        assertThatThrownBy(() -> perCall.attemptLock(key, bytes("v"), LEASE))
                .isInstanceOf(IdempotencyStorageException.class).hasMessageContaining("0 of 1 replica(s)");
    }

    @Test
    void aConnectionFactoryOtherThanLettucesIsRefusedWhenReplicasAreAwaited() {
        // Any factory but Lettuce's; the storage connects to nothing when it is created.
        RedisConnectionFactory other = (RedisConnectionFactory) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RedisConnectionFactory.class}, (proxy, method, arguments) -> {
                    throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> new RedisIdempotencyStorage(other, ONE_REPLICA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a Lettuce connection factory");
        assertThat(new RedisIdempotencyStorage(other, RedisReplicaAcks.NONE).name()).isEqualTo("redis");
    }

    private void pauseReplica() throws Exception {
        pausedReplica = replication.replica();
        pausedReplica.pause();
    }

    private static OwnerToken acquire(RedisIdempotencyStorage storage, String key) {
        ClaimResult result = storage.attemptLock(key, bytes("v"), LEASE);
        assertThat(result).isInstanceOf(ClaimResult.Acquired.class);
        return ((ClaimResult.Acquired) result).token();
    }

    private static byte[] onPrimary(String key) {
        try (RedisConnection connection = shared.getConnection()) {
            return connection.stringCommands().get(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] onReplica(String key) {
        try {
            LettuceConnectionFactory replica = connect(replication.replica(), false);
            try (RedisConnection connection = replica.getConnection()) {
                return connection.stringCommands().get(key.getBytes(StandardCharsets.UTF_8));
            }
            finally {
                replica.destroy();
            }
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static LettuceConnectionFactory connect(StoreProcess node, boolean shareNativeConnection) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(node.host(), node.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        factory.setShareNativeConnection(shareNativeConnection);
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
