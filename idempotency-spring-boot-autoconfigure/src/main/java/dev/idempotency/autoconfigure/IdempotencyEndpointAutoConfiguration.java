package dev.idempotency.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.actuate.IdempotencyEndpoint;
import dev.idempotency.engine.IdempotencyKeeper;

/**
 * The {@code idempotency} actuator endpoint; created only when exposed
 * ({@code management.endpoints.web.exposure.include}) and its access is not turned off.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(IdempotencyKeeper.class)
public class IdempotencyEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    IdempotencyEndpoint idempotencyEndpoint(IdempotencyKeeper keeper) {
        return new IdempotencyEndpoint(keeper);
    }
}
