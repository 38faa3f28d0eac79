package dev.idempotency.storage.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.ConnectionIntent;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceClusterConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.storage.IdempotencyStorageException;

/**
 * {@code WAIT} on a Lettuce connection, sent where the write it waits for went.
 *
 * <p>On a standalone or Sentinel connection that is the connection itself, through
 * {@link LettuceConnection#execute(String, io.lettuce.core.output.CommandOutput, byte[]...)} with
 * an integer output (the plain {@code execute} expects a bulk string and fails on WAIT's integer).
 *
 * <p>On a Redis Cluster, Spring Data's {@code execute("WAIT", ...)} would not reach the key's
 * master: {@code LettuceConnection} passes every argument as a key, so Lettuce routes the command
 * by the slot of its first argument, the replica count. And {@code RedisClusterConnection#execute(command,
 * key, args)} runs on a connection of Spring's own node pool, not the one the write went through,
 * and appends the key to the arguments. Here the command goes to Lettuce's connection to the
 * master that serves the key's slot, opened with the write intent: the connection Lettuce routes
 * that slot's writes through.
 */
final class LettuceReplicaWait {

    private LettuceReplicaWait() {
    }

    /** Whether {@code connectionFactory} hands out Lettuce's connections, which {@link #await} needs. */
    static boolean applies(RedisConnectionFactory connectionFactory) {
        return connectionFactory instanceof LettuceConnectionFactory;
    }

    /** {@code WAIT replicas timeoutMillis} where the last write to {@code key} went: the replicas that acknowledged. */
    static long await(RedisConnection connection, byte[] key, int replicas, long timeoutMillis) {
        if (connection instanceof LettuceClusterConnection cluster) {
            return awaitOnKeyMaster(cluster, key, replicas, timeoutMillis);
        }
        Long acknowledged = (Long) ((LettuceConnection) connection).execute("WAIT",
                new IntegerOutput<>(ByteArrayCodec.INSTANCE), Integer.toString(replicas).getBytes(),
                Long.toString(timeoutMillis).getBytes());
        return acknowledged == null ? 0 : acknowledged;
    }

    @SuppressWarnings("unchecked")
    private static long awaitOnKeyMaster(LettuceClusterConnection connection, byte[] key, int replicas,
            long timeoutMillis) {
        StatefulRedisClusterConnection<byte[], byte[]> cluster =
                ((RedisAdvancedClusterAsyncCommands<byte[], byte[]>) connection.getNativeConnection())
                        .getStatefulConnection();
        RedisClusterNode master = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        if (master == null) {
            throw new IdempotencyStorageException("No Redis Cluster master serves the slot of an idempotency key");
        }
        try {
            Long acknowledged = cluster.getConnection(master.getUri().getHost(), master.getUri().getPort(),
                    ConnectionIntent.WRITE).sync().waitForReplication(replicas, timeoutMillis);
            return acknowledged == null ? 0 : acknowledged;
        }
        catch (RedisException ex) {
            throw new IdempotencyStorageException("Redis Cluster master " + master.getUri().getHost() + ":"
                    + master.getUri().getPort() + " did not answer WAIT", ex);
        }
    }
}
