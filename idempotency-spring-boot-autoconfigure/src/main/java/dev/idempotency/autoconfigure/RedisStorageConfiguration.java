package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.redis.RedisIdempotencyStorage;

/**
 * The Redis storage on the application's {@link RedisConnectionFactory}, so standalone,
 * Sentinel, Cluster, TLS and credentials all come from {@code spring.data.redis.*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "redis")
@ConditionalOnClass(RedisConnectionFactory.class)
class RedisStorageConfiguration {

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    @ConditionalOnBean(RedisConnectionFactory.class)
    RedisIdempotencyStorage idempotencyStorage(RedisConnectionFactory connectionFactory) {
        return new RedisIdempotencyStorage(connectionFactory);
    }

    /**
     * Lettuce waits 60 s for a command by default, which would hold requests that long while Redis
     * is unreachable. Unless the application chose its own {@code spring.data.redis.timeout}, the
     * command timeout becomes {@code idempotency.storage.timeout}.
     */
    @Bean
    @ConditionalOnClass(name = "io.lettuce.core.RedisClient")
    LettuceClientConfigurationBuilderCustomizer idempotencyRedisCommandTimeout(IdempotencyProperties properties,
            Environment environment) {
        return builder -> {
            if (!environment.containsProperty("spring.data.redis.timeout")) {
                builder.commandTimeout(properties.getStorage().getTimeout());
            }
        };
    }
}
