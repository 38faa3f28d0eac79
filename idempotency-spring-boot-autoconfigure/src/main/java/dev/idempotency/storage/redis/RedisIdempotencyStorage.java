package dev.idempotency.storage.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.util.ClassUtils;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.OwnerTokens;
import dev.idempotency.storage.StoredEntry;

/**
 * An {@link IdempotencyStorage} in Redis, shared by every instance connected to it.
 *
 * <p><b>Keys.</b> One Redis key per entry: the storage key exactly as the engine derived it
 * (already namespaced). Every script touches only its {@code KEYS[1]}, so the storage works on
 * Redis Cluster without hash tags.
 *
 * <p><b>Values.</b> A string, {@code [0x01][n][n token bytes][payload]} while in progress and
 * {@code [0x02][payload]} once completed; payloads are arbitrary bytes, empty included. A string
 * rather than a hash because one {@code SET ... PX} replaces the whole entry and its expiry at
 * once, one {@code GET} returns it to a losing claim, and the owner check reads only the header
 * with {@code GETRANGE}, never the payload. Owner tokens come from {@link OwnerTokens};
 * completed entries carry none, so no token can complete, release or extend them.
 *
 * <p><b>Expiry.</b> Redis TTLs, so the Redis server's clock decides: an in-progress entry lives
 * for its lease ({@code PX}; {@code PEXPIRE} on extend), a completed one for its retention.
 * Durations are rounded up to whole milliseconds; a zero or negative one is an
 * {@link IllegalArgumentException}.
 *
 * <p><b>Round trips.</b> One per operation, plus one {@code WAIT} after a write that waits for
 * replicas (see below). {@link #attemptLock} is one native
 * {@code SET key entry NX PX lease GET}, which writes the entry only when the key is absent and
 * otherwise returns the stored one, so a replay costs what a {@code GET} costs (Redis 7.0 or later
 * accepts {@code NX} with {@code GET}). {@link #complete}, {@link #release} and {@link #extend}
 * are one owner-checked script each; {@link #delete} is one {@code DEL}. Scripts run by
 * {@code EVALSHA}; after Redis drops its script cache the first call falls back to {@code EVAL},
 * which costs one extra round trip once.
 *
 * <p><b>Replication.</b> Redis acknowledges a write before its replicas have it, so a failover
 * to a replica that lagged loses claims and completions the primary acknowledged, and a retry
 * then runs again. With {@link RedisReplicaAcks} of N, a winning claim, a completion and a lease
 * renewal are each followed by {@code WAIT N timeout} on the connection that sent the write
 * (one more round trip, plus the replicas' acknowledgement); fewer than N replicas in time is an
 * {@link IdempotencyStorageException}. A claim so refused is released first, best-effort, so its
 * work never runs; a completion so refused has been written on the primary and is repeated by the
 * caller, which then answers {@code true}. A renewal waits too: an unreplicated renewal would leave
 * a promoted replica with the lease as it was before, which can end while the work still runs. A
 * release does not wait: lost, it leaves the key held until its lease ends, never run twice. A
 * losing claim and a refused owner operation wrote nothing and do not wait. Redis's {@code WAIT}
 * blocks the connection it is sent on: with Lettuce's shared native connection, every command of
 * this application queues behind it until the replicas answer or the timeout passes. It needs a
 * Lettuce connection factory, through which it reaches the connection that wrote, on a Redis
 * Cluster the one to the master of the key's slot ({@link LettuceReplicaWait}).
 *
 * <p><b>Asynchronous form.</b> On a reactive connection factory (Boot's Lettuce one is), the
 * claim protocol is also answered through Lettuce's reactive API on the same factory, without
 * blocking the caller ({@link #async}): the same commands and scripts, the same bookkeeping of
 * completions whose answer was lost. A write that waits for replicas is never sent that way,
 * as {@code WAIT} blocks its connection: with {@link RedisReplicaAcks}, and on a factory that is
 * not reactive (Jedis), the blocking calls run on the executor the caller gives.
 *
 * <p>Spring Data's {@link DataAccessException}s, into which it translates the driver's errors,
 * are rethrown as {@link IdempotencyStorageException}.
 */
public final class RedisIdempotencyStorage implements IdempotencyStorage {

    /**
     * ARGV: owner header, completed entry, retention ms. Not owned, it answers 1 only when the key
     * already holds exactly the completed entry: the repeat of a completion that took effect. It
     * writes that entry again then, keeping its expiry, so that a {@code WAIT} after the repeat
     * waits for it to reach the replicas, even on a connection other than the first attempt's.
     */
    static final OwnerCheckedScript COMPLETE = new OwnerCheckedScript("""
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
            """, """
            if redis.call('STRLEN', KEYS[1]) == #ARGV[2] and redis.call('GET', KEYS[1]) == ARGV[2] then
                redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
                return 1
            end
            return 0
            """);

    /** ARGV: owner header. */
    static final OwnerCheckedScript RELEASE = new OwnerCheckedScript("""
            redis.call('DEL', KEYS[1])
            return 1
            """);

    /** ARGV: owner header, lease ms. */
    private static final OwnerCheckedScript EXTEND = new OwnerCheckedScript("""
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """);

    /**
     * ARGV: owner header, lease ms, SHA-1 of a completed entry whose completion's answer was lost.
     * Not owned, it answers 1 when the key holds that entry: the claim completed, nothing to renew.
     */
    private static final OwnerCheckedScript EXTEND_OR_COMPLETED = new OwnerCheckedScript("""
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """, """
            local stored = redis.call('GET', KEYS[1])
            if stored and redis.sha1hex(stored) == ARGV[3] then
                return 1
            end
            return 0
            """);

    private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent(
            "io.lettuce.core.RedisClient",
            RedisIdempotencyStorage.class.getClassLoader());

    private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
            RedisIdempotencyStorage.class.getClassLoader());

    private final RedisTemplate<String, byte[]> redis;
    /** The reactive form on the same factory; {@code null} when it is not reactive or writes wait for replicas. */
    private final AsyncIdempotencyStorage reactive;
    private final RedisReplicaAcks replicaAcks;
    final OwnerTokens tokens = new OwnerTokens();
    /** By owner token: completions whose answer was lost, until a later complete or release answers. */
    private final ConcurrentHashMap<String, UnconfirmedCompletion> unconfirmed = new ConcurrentHashMap<>();

    /**
     * Creates a storage on the application's connection factory, which stays the caller's to close;
     * writes wait for no replica.
     *
     * @param connectionFactory the application's Redis connection factory
     */
    public RedisIdempotencyStorage(RedisConnectionFactory connectionFactory) {
        this(connectionFactory, RedisReplicaAcks.NONE);
    }

    /**
     * Creates a storage on the application's connection factory, which stays the caller's to close,
     * whose claims, completions and renewals wait for {@code replicaAcks}.
     *
     * @param connectionFactory the application's Redis connection factory
     * @param replicaAcks how many replicas must acknowledge each of those writes
     * @throws IllegalArgumentException when replicas are awaited and {@code connectionFactory} is not
     *     Lettuce's, the only one whose connection {@code WAIT} can be sent on
     */
    public RedisIdempotencyStorage(RedisConnectionFactory connectionFactory, RedisReplicaAcks replicaAcks) {
        this.replicaAcks = Objects.requireNonNull(replicaAcks, "replicaAcks");
        if (replicaAcks.awaited() && !(LETTUCE_PRESENT && LettuceReplicaWait.applies(connectionFactory))) {
            throw new IllegalArgumentException("Waiting for " + replicaAcks.replicas() + " replica(s) needs a Lettuce "
                    + "connection factory, whose connection WAIT is sent on; this one is a "
                    + connectionFactory.getClass().getName());
        }
        RedisTemplate<String, byte[]> template = new RedisTemplate<>();
        template.setConnectionFactory(Objects.requireNonNull(connectionFactory, "connectionFactory"));
        // Bytes by default, so the template never falls back to JDK serialization.
        template.setDefaultSerializer(RedisSerializer.byteArray());
        template.setKeySerializer(RedisSerializer.string());
        // No close-suppressing proxy per call: the callbacks here never let the connection escape.
        template.setExposeConnection(true);
        template.afterPropertiesSet();
        this.redis = template;
        this.reactive = REACTOR_PRESENT && !replicaAcks.awaited()
                && connectionFactory instanceof ReactiveRedisConnectionFactory reactiveFactory
                        ? new ReactiveRedisCalls(this, reactiveFactory) : null;
    }

    /** Lettuce's reactive API on the same connection factory, where it has one; see the class description. */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        return reactive != null ? reactive : IdempotencyStorage.super.async(blockingCalls);
    }

    /**
     * One native command; with {@link RedisReplicaAcks}, a {@code WAIT} after it when it won. A win
     * the replicas did not acknowledge is released, best-effort, and refused.
     */
    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        OwnerToken token = tokens.next();
        byte[] entry = RedisEntry.inProgress(token, value).encode();
        Expiration expiry = Expiration.milliseconds(millis(lease));
        Written<byte[]> claimed = write("claim", key, () -> redis.execute((RedisCallback<byte[]>) connection -> connection
                .stringCommands().setGet(key.getBytes(StandardCharsets.UTF_8), entry, expiry, SetOption.SET_IF_ABSENT)),
                Objects::isNull);
        if (claimed.unacknowledged() != null) {
            releaseQuietly(key, token);
            throw claimed.unacknowledged();
        }
        if (claimed.answer() == null) {
            return new ClaimResult.Acquired(token);
        }
        return new ClaimResult.Held(RedisEntry.decode(claimed.answer()).payload());
    }

    /**
     * One script. A completion whose answer is lost is remembered by its token, so that a renewal
     * before the completion is repeated does not take the completed key for a lost one.
     */
    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        byte[] entry = RedisEntry.completed(value).encode();
        long sentAt = System.nanoTime();
        try {
            boolean completed = acknowledgedIfOwner("complete", COMPLETE, key, token, entry, millisArgument(retention));
            answered(token);
            return completed;
        }
        catch (IdempotencyStorageException ex) {
            answerLost(token, entry, sentAt, retention);
            throw ex;
        }
    }

    /** A completion or release by {@code token} answered: nothing of its is unconfirmed any more. */
    void answered(OwnerToken token) {
        unconfirmed.remove(token.value());
    }

    /** The completion to {@code entry} by {@code token}, sent at {@code sentAt}, got no answer: remembered. */
    void answerLost(OwnerToken token, byte[] entry, long sentAt, Duration retention) {
        unconfirmed.values().removeIf(UnconfirmedCompletion::isOver);
        unconfirmed.put(token.value(), new UnconfirmedCompletion(sha1Hex(entry), sentAt + retention.toNanos()));
    }

    /**
     * The renewal script for {@code token} with its arguments after the owner header: when a
     * completion's answer was lost, the one that also accepts that completed entry.
     */
    ScriptCall extendCall(OwnerToken token, Duration lease) {
        UnconfirmedCompletion completion = unconfirmed.get(token.value());
        if (completion == null) {
            return new ScriptCall(EXTEND, new byte[][] { millisArgument(lease) });
        }
        return new ScriptCall(EXTEND_OR_COMPLETED, new byte[][] { millisArgument(lease),
                completion.sha1().getBytes(StandardCharsets.US_ASCII) });
    }

    /** A script with its arguments after the owner header. */
    record ScriptCall(OwnerCheckedScript script, byte[][] moreArgs) {
    }

    /** Never waits for replicas: see the class's note on replication. */
    @Override
    public boolean release(String key, OwnerToken token) {
        answered(token);
        return ifOwner("release", RELEASE, key, token);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        ScriptCall call = extendCall(token, lease);
        return acknowledgedIfOwner("extend", call.script(), key, token, call.moreArgs());
    }

    @Override
    public boolean delete(String key) {
        return Boolean.TRUE.equals(call("delete", () -> redis.delete(key)));
    }

    /** Two commands ({@code GET}, {@code PTTL}): an operator's view, not the claim protocol. */
    @Override
    public Optional<StoredEntry> read(String key) {
        byte[] stored = call("read", () -> redis.opsForValue().get(key));
        if (stored == null) {
            return Optional.empty();
        }
        Long ttlMillis = call("read", () -> redis.getExpire(key, TimeUnit.MILLISECONDS));
        Instant expiresAt = ttlMillis == null || ttlMillis < 0 ? null : Instant.now().plusMillis(ttlMillis);
        RedisEntry entry = RedisEntry.decode(stored);
        return Optional.of(new StoredEntry(entry.payload(), entry.owner() != null, expiresAt));
    }

    /** One {@code PING}. */
    @Override
    public void ping() {
        call("ping", () -> redis.execute((RedisCallback<String>) RedisConnection::ping));
    }

    @Override
    public String name() {
        return "redis";
    }

    private boolean ifOwner(String operation, OwnerCheckedScript script, String key, OwnerToken token,
            byte[]... moreArgs) {
        Object[] args = scriptArguments(token, moreArgs);
        return args != null && Boolean.TRUE.equals(call(operation, () -> redis.execute(script, List.of(key), args)));
    }

    /** As {@link #ifOwner}, then waits for the replicas when the script changed the key. */
    private boolean acknowledgedIfOwner(String operation, OwnerCheckedScript script, String key, OwnerToken token,
            byte[]... moreArgs) {
        Object[] args = scriptArguments(token, moreArgs);
        return args != null && Boolean.TRUE.equals(write(operation, key,
                () -> redis.execute(script, List.of(key), args), Boolean.TRUE::equals).acknowledged());
    }

    /** The owner header then {@code moreArgs}; {@code null} when the token owns nothing here. */
    static Object[] scriptArguments(OwnerToken token, byte[]... moreArgs) {
        byte[] header = RedisEntry.ownerHeader(token);
        if (header == null) {
            return null;
        }
        Object[] args = new Object[1 + moreArgs.length];
        args[0] = header;
        System.arraycopy(moreArgs, 0, args, 1, moreArgs.length);
        return args;
    }

    /**
     * Runs {@code command}, a write to {@code key}; when {@link RedisReplicaAcks} are awaited and
     * {@code changed} says the answer changed the key, sends {@code WAIT} on the same connection:
     * a session binds one connection to the thread for both, whether the factory shares one native
     * connection or hands out one from a pool per call.
     */
    private <T> Written<T> write(String operation, String key, Supplier<T> command, Predicate<T> changed) {
        if (!replicaAcks.awaited()) {
            return new Written<>(call(operation, command), null);
        }
        return call(operation, () -> redis.execute(new SessionCallback<Written<T>>() {
            @Override
            public <K, V> Written<T> execute(RedisOperations<K, V> operations) {
                T answer = command.get();
                return new Written<>(answer, changed.test(answer) ? unacknowledged(operation, key) : null);
            }
        }));
    }

    /** {@code WAIT} for the replicas; the error to report when too few acknowledged in time, else {@code null}. */
    private IdempotencyStorageException unacknowledged(String operation, String key) {
        long acknowledged;
        try {
            acknowledged = redis.execute((RedisCallback<Long>) connection -> awaitReplicas(connection, key));
        }
        catch (DataAccessException | IdempotencyStorageException ex) {
            return new IdempotencyStorageException("Redis idempotency storage could not " + operation
                    + " an entry: the wait for its replicas failed", ex);
        }
        if (acknowledged >= replicaAcks.replicas()) {
            return null;
        }
        return new IdempotencyStorageException("Redis idempotency storage could not " + operation + " an entry: "
                + acknowledged + " of " + replicaAcks.replicas() + " replica(s) acknowledged it within "
                + replicaAcks.timeout());
    }

    private long awaitReplicas(RedisConnection connection, String key) {
        return LettuceReplicaWait.await(connection, key.getBytes(StandardCharsets.UTF_8), replicaAcks.replicas(),
                replicaAcks.timeoutMillis());
    }

    private void releaseQuietly(String key, OwnerToken token) {
        try {
            release(key, token);
        }
        catch (IdempotencyStorageException ex) {
            // The claim stays in progress until its lease ends; no one runs its work meanwhile.
        }
    }

    /**
     * What a write answered, and why its replicas do not count as having acknowledged it; {@code null}
     * when they did, when none are awaited, or when the write changed nothing.
     */
    private record Written<T>(T answer, IdempotencyStorageException unacknowledged) {

        T acknowledged() {
            if (unacknowledged != null) {
                throw unacknowledged;
            }
            return answer;
        }
    }

    /**
     * A completed entry whose completion's answer was lost, by its SHA-1 (what the script compares),
     * until its retention would be over: past that the key cannot hold it any more.
     */
    private record UnconfirmedCompletion(String sha1, long overAtNanos) {

        boolean isOver() {
            return System.nanoTime() - overAtNanos >= 0;
        }
    }

    /** The SHA-1 of {@code bytes} in lower-case hex, as Lua's {@code redis.sha1hex} gives it. */
    private static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every Java platform has SHA-1", ex);
        }
    }

    /** Rounds up: Redis rejects a zero expiry, which truncating a sub-millisecond one would give. */
    static long millis(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("Expiry must be positive, was " + duration);
        }
        return duration.plusNanos(999_999).toMillis();
    }

    static byte[] millisArgument(Duration duration) {
        return Long.toString(millis(duration)).getBytes(StandardCharsets.US_ASCII);
    }

    private static <T> T call(String operation, Supplier<T> command) {
        try {
            return command.get();
        }
        catch (DataAccessException ex) {
            // The key stays out of the message; the cause says what Redis or the driver reported.
            throw new IdempotencyStorageException("Redis idempotency storage could not " + operation
                    + " an entry", ex);
        }
    }
}
