package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.storage.IdempotencyStorage;

/** Fails start-up, through {@link StorageLibraryMissingFailureAnalyzer}, when a storage's library is absent. */
final class StorageLibraryMissingConfiguration {

    private StorageLibraryMissingConfiguration() {
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "redis")
    @ConditionalOnMissingClass("org.springframework.data.redis.connection.RedisConnectionFactory")
    static class Redis {

        @Bean
        @ConditionalOnMissingBean(IdempotencyStorage.class)
        IdempotencyStorage idempotencyStorage() {
            throw new StorageLibraryMissingException(StorageType.REDIS);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "nats")
    @ConditionalOnMissingClass("io.nats.client.Connection")
    static class Nats {

        @Bean
        @ConditionalOnMissingBean(IdempotencyStorage.class)
        IdempotencyStorage idempotencyStorage() {
            throw new StorageLibraryMissingException(StorageType.NATS);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "jdbc")
    @ConditionalOnMissingClass("org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer")
    static class Jdbc {

        @Bean
        @ConditionalOnMissingBean(IdempotencyStorage.class)
        IdempotencyStorage idempotencyStorage() {
            throw new StorageLibraryMissingException(StorageType.JDBC);
        }
    }
}
