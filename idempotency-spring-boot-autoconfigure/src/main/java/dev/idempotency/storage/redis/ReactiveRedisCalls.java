package dev.idempotency.storage.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

/**
 * The claim protocol of a {@link RedisIdempotencyStorage} through Lettuce's reactive API on the
 * same connection factory: the same {@code SET ... NX PX ... GET} (sent from a script, see
 * {@link #CLAIM}) and owner-checked scripts, and the storage's own bookkeeping of completions whose
 * answer was lost. Loaded only when Reactor is on the class path. Never waits for replicas (see
 * the storage's description).
 */
final class ReactiveRedisCalls implements AsyncIdempotencyStorage {

    /**
     * The claim, {@code SET key entry NX PX lease GET}, as a script: Spring Data Redis 4.0's reactive
     * {@code setGet} drops its expiration and its {@code NX} (it sends a plain {@code SET key value
     * GET}), which would overwrite a held key with no lease. One round trip all the same.
     */
    private static final RedisScript<byte[]> CLAIM = new FixedScript<>(
            "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')", byte[].class);

    /** Without a client's own, as long as Lettuce's default command timeout. */
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final RedisIdempotencyStorage storage;
    private final ReactiveRedisTemplate<String, byte[]> redis;
    private final Duration timeout;

    /**
     * Its commands time out as the blocking ones do, after the command timeout of a Lettuce
     * factory's client configuration: Spring's reactive connection applies none of its own.
     */
    ReactiveRedisCalls(RedisIdempotencyStorage storage, ReactiveRedisConnectionFactory connectionFactory) {
        this.storage = storage;
        this.timeout = connectionFactory instanceof LettuceConnectionFactory lettuce
                ? lettuce.getClientConfiguration().getCommandTimeout() : DEFAULT_TIMEOUT;
        this.redis = new ReactiveRedisTemplate<>(connectionFactory, RedisSerializationContext
                .<String, byte[]>newSerializationContext(RedisSerializer.byteArray())
                .key(RedisSerializer.string())
                .build());
    }

    @Override
    public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
        OwnerToken token = storage.tokens.next();
        byte[] entry = RedisEntry.inProgress(token, value).encode();
        Mono<ClaimResult> claimed = redis.execute(CLAIM, List.of(key),
                        List.of(entry, RedisIdempotencyStorage.millisArgument(lease)))
                .next()
                .map(held -> (ClaimResult) new ClaimResult.Held(RedisEntry.decode(held).payload()))
                .defaultIfEmpty(new ClaimResult.Acquired(token));
        return answer("claim", claimed);
    }

    @Override
    public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
        byte[] entry = RedisEntry.completed(value).encode();
        long sentAt = System.nanoTime();
        return ifOwner("complete", RedisIdempotencyStorage.COMPLETE, key, token, entry,
                RedisIdempotencyStorage.millisArgument(retention)).whenComplete((completed, failure) -> {
                    if (failure == null) {
                        storage.answered(token);
                    }
                    else {
                        storage.answerLost(token, entry, sentAt, retention);
                    }
                });
    }

    @Override
    public CompletionStage<Boolean> release(String key, OwnerToken token) {
        storage.answered(token);
        return ifOwner("release", RedisIdempotencyStorage.RELEASE, key, token);
    }

    @Override
    public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
        RedisIdempotencyStorage.ScriptCall call = storage.extendCall(token, lease);
        return ifOwner("extend", call.script(), key, token, call.moreArgs());
    }

    private CompletionStage<Boolean> ifOwner(String operation, OwnerCheckedScript script, String key, OwnerToken token,
            byte[]... moreArgs) {
        Object[] args = RedisIdempotencyStorage.scriptArguments(token, moreArgs);
        if (args == null) {
            return CompletableFuture.completedFuture(false);
        }
        return answer(operation, redis.execute(script, List.of(key), Arrays.asList(args)).next()
                .map(Boolean.TRUE::equals).defaultIfEmpty(false));
    }

    /** Subscribes now; any failure of the driver becomes the storage's. */
    private <T> CompletionStage<T> answer(String operation, Mono<T> call) {
        return call.timeout(timeout).onErrorMap(ex -> !(ex instanceof IdempotencyStorageException),
                        ex -> new IdempotencyStorageException("Redis idempotency storage could not " + operation
                                + " an entry", ex))
                .toFuture();
    }
}
