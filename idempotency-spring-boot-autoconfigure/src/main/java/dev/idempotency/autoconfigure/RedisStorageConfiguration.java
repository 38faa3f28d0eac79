package dev.idempotency.autoconfigure;

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
import org.springframework.util.ClassUtils;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;

/**
 * The Redis storage on the application's {@link RedisConnectionFactory}, so standalone,
 * Sentinel, Cluster, TLS and credentials all come from {@code spring.data.redis.*}. On a Redis
 * Cluster, Lettuce's topology refresh follows failovers ({@link RedisClusterTopologyRefresh}).
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
    RedisIdempotencyStorage idempotencyStorage(RedisConnectionFactory connectionFactory) {
        if (LETTUCE_PRESENT) {
            RedisClusterTopologyRefresh.verify(connectionFactory);
        }
        return new RedisIdempotencyStorage(connectionFactory);
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
