package dev.idempotency.storage.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.containers.GenericContainer;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.AnswerHoldingProxy;
import dev.idempotency.testsupport.TestServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisIdempotencyStorageTest extends IdempotencyStorageContractTest {

    private static final CommandLog commands = new CommandLog();
    /** The command timeout of {@link #losableAnswers()}, past which its proxy holds answers back. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);

    private static TestServer redis;
    private static LettuceConnectionFactory connectionFactory;

    private final RedisIdempotencyStorage storage = new RedisIdempotencyStorage(connectionFactory);

    private final Set<String> keysWritten = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void connect() {
        redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        connectionFactory = start(redis.host(), redis.port(), Duration.ofSeconds(5));
        // Before the first command, so every connection of this client reports what it sends.
        ((AbstractRedisClient) connectionFactory.getNativeClient()).addListener(commands);
    }

    @AfterAll
    static void disconnect() {
        connectionFactory.destroy();
    }

    @Override
    protected IdempotencyStorage storage() {
        return storage;
    }

    @Override
    protected String key(String name) {
        String key = super.key(name);
        keysWritten.add(key);
        return key;
    }

    /** Deletes only this test's keys: the run prefix keeps other runs' entries out of reach. */
    @AfterEach
    void deleteKeysWritten() {
        keysWritten.forEach(storage::delete);
    }

    /**
     * A storage whose connection goes through an {@link AnswerHoldingProxy}, with a short command
     * timeout; its scripts are loaded first, so a held answer is never a NOSCRIPT one.
     */
    @Override
    protected LosableAnswers losableAnswers() throws IOException {
        AnswerHoldingProxy proxy = new AnswerHoldingProxy(redis.host(), redis.port());
        LettuceConnectionFactory throughProxy = start("127.0.0.1", proxy.port(), ANSWER_TIMEOUT);
        RedisIdempotencyStorage lossy = new RedisIdempotencyStorage(throughProxy);
        warmScriptCache(lossy);
        return new LosableAnswers() {
            @Override
            public IdempotencyStorage storage() {
                return lossy;
            }

            @Override
            public void hold() {
                proxy.hold();
            }

            @Override
            public void deliverHeld() throws InterruptedException {
                try {
                    assertThat(proxy.awaitHeldAnswer(Duration.ofSeconds(10))).as("Redis answered").isTrue();
                }
                finally {
                    proxy.release();
                }
            }

            @Override
            public void close() {
                throughProxy.destroy();
                proxy.close();
            }
        };
    }

    @Test
    void nameIsRedis() {
        assertThat(storage.name()).isEqualTo("redis");
    }

    @Test
    void anInProgressEntryIsStoredAsStateTokenLengthTokenAndPayload() {
        String key = key("layout-in-progress");
        byte[] payload = everyByte();
        OwnerToken token = acquire(key, LONG, payload);

        byte[] tokenBytes = token.value().getBytes(StandardCharsets.US_ASCII);
        assertThat(rawValue(key)).isEqualTo(concat(new byte[] {1, (byte) tokenBytes.length}, tokenBytes, payload));
    }

    @Test
    void aCompletedEntryIsStoredAsStateAndPayloadWithoutOwner() {
        String key = key("layout-completed");
        OwnerToken token = acquire(key, LONG, bytes("v"));
        byte[] payload = everyByte();

        storage.complete(key, token, payload, LONG);

        assertThat(rawValue(key)).isEqualTo(concat(new byte[] {2}, payload));
    }

    @Test
    void aLargeRandomPayloadIsReadBackByteIdentical() {
        String key = key("large");
        byte[] payload = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(payload);
        OwnerToken token = acquire(key, LONG, payload);
        assertThat(heldValue(key)).isEqualTo(payload);

        storage.complete(key, token, payload, LONG);

        assertThat(heldValue(key)).isEqualTo(payload);
    }

    @Test
    void anInProgressKeyLivesForTheLease() {
        String key = key("ttl-lease");
        acquire(key, Duration.ofSeconds(20), bytes("v"));

        assertThat(pttl(key)).isBetween(18_000L, 20_000L);
    }

    @Test
    void extendingSetsTheTtlToTheNewLease() {
        String key = key("ttl-extend");
        OwnerToken token = acquire(key, Duration.ofSeconds(20), bytes("v"));

        storage.extend(key, token, Duration.ofSeconds(50));

        assertThat(pttl(key)).isBetween(48_000L, 50_000L);
    }

    @Test
    void aCompletedKeyLivesForTheRetention() {
        String key = key("ttl-retention");
        OwnerToken token = acquire(key, Duration.ofSeconds(20), bytes("v"));

        storage.complete(key, token, bytes("done"), Duration.ofSeconds(90));

        assertThat(pttl(key)).isBetween(88_000L, 90_000L);
    }

    @Test
    void aSubMillisecondLeaseIsRoundedUpRatherThanRefused() {
        String key = key("ttl-sub-millisecond");

        assertThat(storage.attemptLock(key, bytes("v"), Duration.ofNanos(1))).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void aWinningClaimIsOneNativeSetWithoutAScript() {
        List<String> sent = commands.during(() -> storage.attemptLock(key("one-win"), bytes("v"), LONG));

        assertThat(sent).containsExactly("SET");
    }

    @Test
    void aLosingClaimReturnsTheStoredBytesInTheSameCommand() {
        String key = key("one-lose");
        acquire(key, LONG, bytes("first"));
        ClaimResult[] result = new ClaimResult[1];

        List<String> sent = commands.during(() -> result[0] = storage.attemptLock(key, bytes("second"), LONG));

        assertThat(sent).containsExactly("SET");
        assertThat(result[0]).isInstanceOfSatisfying(ClaimResult.Held.class,
                held -> assertThat(held.value()).isEqualTo(bytes("first")));
    }

    @Test
    void completeIsOneCommand() {
        warmScriptCache();
        String key = key("one-complete");
        OwnerToken token = acquire(key, LONG, bytes("v"));

        List<String> sent = commands.during(() -> storage.complete(key, token, bytes("done"), LONG));

        assertThat(sent).containsExactly("EVALSHA");
    }

    @Test
    void releaseIsOneCommand() {
        warmScriptCache();
        String key = key("one-release");
        OwnerToken token = acquire(key, LONG, bytes("v"));

        List<String> sent = commands.during(() -> storage.release(key, token));

        assertThat(sent).containsExactly("EVALSHA");
    }

    @Test
    void extendIsOneCommand() {
        warmScriptCache();
        String key = key("one-extend");
        OwnerToken token = acquire(key, LONG, bytes("v"));

        List<String> sent = commands.during(() -> storage.extend(key, token, LONG));

        assertThat(sent).containsExactly("EVALSHA");
    }

    @Test
    void aRefusedOwnerOperationIsStillOneCommand() {
        warmScriptCache();
        String key = key("one-refused");
        acquire(key, LONG, bytes("v"));
        OwnerToken stranger = new OwnerToken("stranger");

        List<String> sent = commands.during(() -> {
            storage.complete(key, stranger, bytes("x"), LONG);
            storage.release(key, stranger);
            storage.extend(key, stranger, LONG);
        });

        assertThat(sent).containsExactly("EVALSHA", "EVALSHA", "EVALSHA");
    }

    @Test
    void aFlushedScriptCacheDoesNotBreakTheNextCalls() {
        warmScriptCache();
        String key = key("script-flush");
        withConnection(connection -> {
            connection.scriptingCommands().scriptFlush();
            return null;
        });

        List<String> sent = commands.during(() -> {
            OwnerToken token = acquire(key, LONG, bytes("v"));
            assertThat(storage.complete(key, token, bytes("done"), LONG)).isTrue();
        });

        assertThat(sent).containsExactly("SET", "EVALSHA", "EVAL");
        assertThat(heldValue(key)).isEqualTo(bytes("done"));
    }

    @Test
    void aValueThisStorageDidNotWriteIsAStorageErrorNotAReplay() {
        String key = key("foreign-value");
        withConnection(connection -> connection.stringCommands().set(raw(key), bytes("hello")));

        assertThatThrownBy(() -> storage.attemptLock(key, bytes("v"), LONG))
                .isInstanceOf(IdempotencyStorageException.class);
    }

    @Test
    void anUnreachableServerIsAStorageErrorWhoseMessageOmitsTheKey() throws IOException {
        String key = key("unreachable");
        LettuceConnectionFactory unreachable = start("127.0.0.1", freePort(), Duration.ofSeconds(5));
        try {
            RedisIdempotencyStorage storage = new RedisIdempotencyStorage(unreachable);

            assertThatThrownBy(() -> storage.attemptLock(key, bytes("v"), LONG))
                    .isInstanceOf(IdempotencyStorageException.class)
                    .hasMessageNotContaining(key);
        }
        finally {
            unreachable.destroy();
        }
    }

    private static LettuceConnectionFactory start(String host, int port, Duration commandTimeout) {
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .commandTimeout(commandTimeout)
                .build();
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port), client);
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    /** Runs every script once, so the counted calls find them cached and no NOSCRIPT retry shows. */
    private void warmScriptCache() {
        warmScriptCache(storage);
    }

    private void warmScriptCache(RedisIdempotencyStorage storage) {
        String key = key("warm");
        OwnerToken token = acquire(key, LONG, bytes("v"));
        storage.extend(key, token, LONG);
        storage.release(key, token);
        token = acquire(key, LONG, bytes("v"));
        storage.complete(key, token, bytes("done"), LONG);
        storage.delete(key);
    }

    private OwnerToken acquire(String key, Duration lease, byte[] value) {
        ClaimResult result = storage.attemptLock(key, value, lease);
        assertThat(result).isInstanceOf(ClaimResult.Acquired.class);
        return ((ClaimResult.Acquired) result).token();
    }

    private static byte[] rawValue(String key) {
        return withConnection(connection -> connection.stringCommands().get(raw(key)));
    }

    private static long pttl(String key) {
        return withConnection(connection -> connection.keyCommands().pTtl(raw(key)));
    }

    private static <T> T withConnection(Function<RedisConnection, T> action) {
        try (RedisConnection connection = connectionFactory.getConnection()) {
            return action.apply(connection);
        }
    }

    private static byte[] raw(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] everyByte() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, joined, at, part.length);
            at += part.length;
        }
        return joined;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The names of the commands this client sends, recorded on the calling thread as they go out. */
    private static final class CommandLog implements CommandListener {

        private final List<String> sent = new CopyOnWriteArrayList<>();

        @Override
        public void commandStarted(CommandStartedEvent event) {
            sent.add(event.getCommand().getType().toString());
        }

        List<String> during(Runnable action) {
            sent.clear();
            action.run();
            return List.copyOf(sent);
        }
    }
}
