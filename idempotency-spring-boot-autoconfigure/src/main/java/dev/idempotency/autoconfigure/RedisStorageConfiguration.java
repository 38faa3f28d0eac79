package dev.idempotency.autoconfigure;

import java.time.Duration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;
import dev.idempotency.storage.redis.RedisReplicaAcks;

/**
 * The Redis storage on the application's {@link RedisConnectionFactory}, so standalone,
 * Sentinel, Cluster, TLS and credentials all come from {@code spring.data.redis.*}. On a Redis
 * Cluster, Lettuce's topology refresh follows failovers ({@link RedisClusterTopologyRefresh}).
 * Writes wait for {@code idempotency.storage.redis.replica-acks} replicas ({@link RedisReplicaAcks}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "redis")
@ConditionalOnClass(RedisConnectionFactory.class)
class RedisStorageConfiguration {

    private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisClient",
            RedisStorageConfiguration.class.getClassLoader());

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    @ConditionalOnBean(RedisConnectionFactory.class)
    RedisIdempotencyStorage idempotencyStorage(RedisConnectionFactory connectionFactory,
            IdempotencyProperties properties) {
        if (LETTUCE_PRESENT) {
            RedisClusterTopologyRefresh.verify(connectionFactory);
        }
        return new RedisIdempotencyStorage(connectionFactory, replicaAcks(properties.getStorage().getRedis(),
                connectionFactory));
    }

    /**
     * The replica acknowledgements asked for. {@code WAIT} must end before the client gives up on
     * it: with a command timeout no longer than the wait, every write that waits would fail.
     */
    private static RedisReplicaAcks replicaAcks(IdempotencyProperties.Redis redis,
            RedisConnectionFactory connectionFactory) {
        RedisReplicaAcks acks = new RedisReplicaAcks(redis.getReplicaAcks(), redis.getReplicaAckTimeout());
        if (acks.awaited() && LETTUCE_PRESENT && connectionFactory instanceof LettuceConnectionFactory lettuce) {
            Duration commandTimeout = lettuce.getClientConfiguration().getCommandTimeout();
            if (acks.timeout().compareTo(commandTimeout) >= 0) {
                throw new IllegalStateException("idempotency.storage.redis.replica-ack-timeout (" + acks.timeout()
                        + ") must be shorter than the Redis command timeout (" + commandTimeout + ", from "
                        + "spring.data.redis.timeout or else idempotency.storage.timeout): the client would give up "
                        + "on every WAIT before Redis answers it, and every claim would fail");
            }
        }
        return acks;
    }

    /** The Lettuce client's settings this storage needs, when Lettuce is the client. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.lettuce.core.RedisClient")
    static class LettuceClientSettings {

        /** Lettuce's adaptive topology refresh on a Redis Cluster connection: see {@link RedisClusterTopologyRefresh}. */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        LettuceClientOptionsBuilderCustomizer idempotencyRedisClusterTopologyRefresh(
                ObjectProvider<DataRedisProperties> properties) {
            return new RedisClusterTopologyRefresh(properties.getIfAvailable(DataRedisProperties::new));
        }

        /**
         * Lettuce waits 60 s for a command by default, which would hold requests that long while
         * Redis is unreachable. Unless the application chose its own {@code spring.data.redis.timeout},
         * the command timeout becomes {@code idempotency.storage.timeout}.
         */
        @Bean
        LettuceClientConfigurationBuilderCustomizer idempotencyRedisCommandTimeout(IdempotencyProperties properties,
                Environment environment) {
            return builder -> {
                if (!environment.containsProperty("spring.data.redis.timeout")) {
                    builder.commandTimeout(properties.getStorage().getTimeout());
                }
            };
        }
    }
}
