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
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.data.redis.serializer.RedisSerializer;

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
 * <p><b>Round trips.</b> One per operation. {@link #attemptLock} is one native
 * {@code SET key entry NX PX lease GET}, which writes the entry only when the key is absent and
 * otherwise returns the stored one, so a replay costs what a {@code GET} costs (Redis 7.0 or later
 * accepts {@code NX} with {@code GET}). {@link #complete}, {@link #release} and {@link #extend}
 * are one owner-checked script each; {@link #delete} is one {@code DEL}. Scripts run by
 * {@code EVALSHA}; after Redis drops its script cache the first call falls back to {@code EVAL},
 * which costs one extra round trip once.
 *
 * <p>Spring Data's {@link DataAccessException}s, into which it translates the driver's errors,
 * are rethrown as {@link IdempotencyStorageException}.
 */
public final class RedisIdempotencyStorage implements IdempotencyStorage {

    /**
     * ARGV: owner header, completed entry, retention ms. Not owned, it answers 1 only when the key
     * already holds exactly the completed entry: the repeat of a completion that took effect.
     */
    private static final OwnerCheckedScript COMPLETE = new OwnerCheckedScript("""
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
            """, """
            if redis.call('STRLEN', KEYS[1]) == #ARGV[2] and redis.call('GET', KEYS[1]) == ARGV[2] then
                return 1
            end
            return 0
            """);

    /** ARGV: owner header. */
    private static final OwnerCheckedScript RELEASE = new OwnerCheckedScript("""
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

    private final RedisTemplate<String, byte[]> redis;
    private final OwnerTokens tokens = new OwnerTokens();
    /** By owner token: completions whose answer was lost, until a later complete or release answers. */
    private final ConcurrentHashMap<String, UnconfirmedCompletion> unconfirmed = new ConcurrentHashMap<>();

    /** Creates a storage on the application's connection factory, which stays the caller's to close. */
    public RedisIdempotencyStorage(RedisConnectionFactory connectionFactory) {
        RedisTemplate<String, byte[]> template = new RedisTemplate<>();
        template.setConnectionFactory(Objects.requireNonNull(connectionFactory, "connectionFactory"));
        // Bytes by default, so the template never falls back to JDK serialization.
        template.setDefaultSerializer(RedisSerializer.byteArray());
        template.setKeySerializer(RedisSerializer.string());
        // No close-suppressing proxy per call: the callbacks here never let the connection escape.
        template.setExposeConnection(true);
        template.afterPropertiesSet();
        this.redis = template;
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        OwnerToken token = tokens.next();
        byte[] entry = RedisEntry.inProgress(token, value).encode();
        Expiration expiry = Expiration.milliseconds(millis(lease));
        byte[] stored = call("claim", () -> redis.execute((RedisCallback<byte[]>) connection -> connection
                .stringCommands().setGet(key.getBytes(StandardCharsets.UTF_8), entry, expiry, SetOption.SET_IF_ABSENT)));
        if (stored == null) {
            return new ClaimResult.Acquired(token);
        }
        return new ClaimResult.Held(RedisEntry.decode(stored).payload());
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
            boolean completed = ifOwner("complete", COMPLETE, key, token, entry, millisArgument(retention));
            unconfirmed.remove(token.value());
            return completed;
        }
        catch (IdempotencyStorageException ex) {
            unconfirmed.values().removeIf(UnconfirmedCompletion::isOver);
            unconfirmed.put(token.value(), new UnconfirmedCompletion(sha1Hex(entry), sentAt + retention.toNanos()));
            throw ex;
        }
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        unconfirmed.remove(token.value());
        return ifOwner("release", RELEASE, key, token);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        UnconfirmedCompletion completion = unconfirmed.get(token.value());
        if (completion == null) {
            return ifOwner("extend", EXTEND, key, token, millisArgument(lease));
        }
        return ifOwner("extend", EXTEND_OR_COMPLETED, key, token, millisArgument(lease),
                completion.sha1().getBytes(StandardCharsets.US_ASCII));
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
        byte[] header = RedisEntry.ownerHeader(token);
        if (header == null) {
            return false;
        }
        Object[] args = new Object[1 + moreArgs.length];
        args[0] = header;
        System.arraycopy(moreArgs, 0, args, 1, moreArgs.length);
        return Boolean.TRUE.equals(call(operation, () -> redis.execute(script, List.of(key), args)));
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
    private static long millis(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("Expiry must be positive, was " + duration);
        }
        return duration.plusNanos(999_999).toMillis();
    }

    private static byte[] millisArgument(Duration duration) {
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
