package dev.idempotency.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.TransactionHooks;
import dev.idempotency.storage.IdempotencyStorage;

/**
 * The engine and the storage selected by {@code idempotency.storage.type}. A user-defined
 * {@link IdempotencyStorage} or {@link IdempotencyKeeper} bean replaces the default.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "idempotency.enabled", matchIfMissing = true)
@EnableConfigurationProperties(IdempotencyProperties.class)
@Import({ MemoryStorageConfiguration.class, RedisStorageConfiguration.class, NatsStorageConfiguration.class,
        JdbcStorageConfiguration.class, TransactionFenceConfiguration.class,
        StorageLibraryMissingConfiguration.Redis.class,
        StorageLibraryMissingConfiguration.Nats.class,
        StorageLibraryMissingConfiguration.Jdbc.class })
public class IdempotencyAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    IdempotencyKeeper idempotencyKeeper(IdempotencyStorage storage, IdempotencyProperties properties,
            ObjectProvider<IdempotencyListener> listeners, ObjectProvider<IdempotencyStorageDecorator> decorators,
            ObjectProvider<TransactionHooks> transactions) {
        FailureMode failureMode = properties.getStorage().getFailureMode();
        if (properties.getLease().compareTo(properties.getTtl()) > 0) {
            // Legal, so not refused: but a crashed request then blocks its key longer than a result is replayed.
            logger.warn("idempotency.lease ({}) is longer than idempotency.ttl ({}): a request that crashes holds its key "
                    + "longer than a completed one is remembered. Usually one of them is a typo; set the lease above "
                    + "the slowest handler and the ttl to how long clients retry.", properties.getLease(),
                    properties.getTtl());
        }
        IdempotencyStorage decorated = storage;
        for (IdempotencyStorageDecorator decorator : decorators.orderedStream().toList()) {
            decorated = decorator.decorate(decorated);
        }
        IdempotencyKeeper keeper = new IdempotencyKeeper(decorated, properties.getKeyPrefix(), properties.getTtl(),
                properties.getLease(), failureMode, properties.getTakeover(),
                new CompositeIdempotencyListener(listeners.orderedStream().toList()),
                transactions.getIfAvailable(() -> TransactionHooks.NONE), properties.isTransactionFence());
        logger.info("Idempotency on, storage: {} (retention {}, lease {}, {}, takeover {})", storage.name(),
                properties.getTtl(), properties.getLease(), failureMode, properties.getTakeover());
        return keeper;
    }
}
