package dev.idempotency.benchmarks.floor;

import java.nio.charset.StandardCharsets;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;

/**
 * {@code SET key claim NX PX lease GET}, then {@code SET key response PX retention}, through
 * Lettuce's synchronous API on the application's shared native connection, the one the library's
 * template sends on. The claim's {@code GET} makes one command answer both a fresh key (written,
 * nil) and a replay (not written, the stored response, as a {@code GET} answers it).
 */
final class RedisFloorStore implements FloorStore {

    private static final SetArgs CLAIM = SetArgs.Builder.nx().px(LEASE.toMillis());
    private static final SetArgs COMPLETE = SetArgs.Builder.px(RETENTION.toMillis());

    private final String prefix;
    private final RedisConnection connection;
    private final RedisCommands<byte[], byte[]> commands;

    @SuppressWarnings("unchecked")
    RedisFloorStore(RedisConnectionFactory factory, String prefix) {
        this.prefix = prefix;
        this.connection = factory.getConnection();
        this.commands = ((RedisAsyncCommands<byte[], byte[]>) ((LettuceConnection) connection).getNativeConnection())
                .getStatefulConnection().sync();
    }

    @Override
    public Claim claim(String key) {
        return new Claim(key, commands.setGet(redisKey(key), IN_PROGRESS, CLAIM), 0);
    }

    @Override
    public void complete(Claim claim, byte[] response) {
        commands.set(redisKey(claim.key()), response, COMPLETE);
    }

    private byte[] redisKey(String key) {
        return (prefix + key).getBytes(StandardCharsets.UTF_8);
    }

    /** The keys expire with {@link #RETENTION}; the shared connection stays the factory's. */
    @Override
    public void close() {
        connection.close();
    }
}
