package dev.idempotency.autoconfigure;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.actuate.IdempotencyObservationListener;
import dev.idempotency.engine.IdempotencyKeeper;

/** An {@code idempotency} observation around each idempotent execution, for tracing. */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, IdempotencyKeeper.class })
public class IdempotencyObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyObservationListener idempotencyObservationListener(ObservationRegistry registry) {
        return new IdempotencyObservationListener(registry);
    }
}
