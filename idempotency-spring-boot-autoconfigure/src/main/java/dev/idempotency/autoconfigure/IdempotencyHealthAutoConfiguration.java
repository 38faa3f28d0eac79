package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.idempotency.actuate.IdempotencyHealthIndicator;
import dev.idempotency.storage.IdempotencyStorage;

/**
 * The {@code idempotency} health contributor, which pings the storage. Off with
 * {@code management.health.idempotency.enabled=false}.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(IdempotencyStorage.class)
@ConditionalOnEnabledHealthIndicator("idempotency")
public class IdempotencyHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyHealthIndicator")
    IdempotencyHealthIndicator idempotencyHealthIndicator(IdempotencyStorage storage) {
        return new IdempotencyHealthIndicator(storage);
    }
}
