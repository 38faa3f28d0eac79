package dev.idempotency.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.actuate.IdempotencyMetricsListener;
import dev.idempotency.actuate.TimedIdempotencyStorage;
import dev.idempotency.engine.IdempotencyKeeper;

/**
 * Micrometer metrics: the {@code idempotency.requests} counter by outcome and storage, and the
 * {@code idempotency.storage} timer of every claim, completion, release and lease renewal.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple."
                + "SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, IdempotencyKeeper.class })
public class IdempotencyMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyMetricsListener idempotencyMetricsListener(MeterRegistry registry) {
        return new IdempotencyMetricsListener(registry);
    }

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyStorageMetrics")
    IdempotencyStorageDecorator idempotencyStorageMetrics(MeterRegistry registry) {
        return storage -> new TimedIdempotencyStorage(storage, registry);
    }
}
