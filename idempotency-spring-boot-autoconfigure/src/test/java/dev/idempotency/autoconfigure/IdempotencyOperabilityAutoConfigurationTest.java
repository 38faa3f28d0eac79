package dev.idempotency.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.idempotency.actuate.IdempotencyEndpoint;
import dev.idempotency.actuate.IdempotencyHealthIndicator;
import dev.idempotency.actuate.IdempotencyMetricsListener;
import dev.idempotency.actuate.IdempotencyObservationListener;
import dev.idempotency.actuate.TimedIdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.template.IdempotencyOptions;
import dev.idempotency.template.IdempotencyTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** Metrics, observations, health and the endpoint: each on when its library and bean are there, each replaceable. */
class IdempotencyOperabilityAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyTemplateAutoConfiguration.class, IdempotencyMetricsAutoConfiguration.class,
                    IdempotencyObservationAutoConfiguration.class, IdempotencyHealthAutoConfiguration.class,
                    IdempotencyEndpointAutoConfiguration.class));

    @Test
    void withBootsMetricsTheRequestCounterAndStorageTimerRecordTemplateCalls() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(IdempotencyMetricsListener.class);
                    IdempotencyTemplate template = context.getBean(IdempotencyTemplate.class);
                    template.execute("k-1", String.class, () -> "first");
                    template.execute("k-1", String.class, () -> "second");

                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get(IdempotencyMetricsListener.REQUESTS)
                            .tags("outcome", "executed", "storage", "memory").counter().count()).isEqualTo(1);
                    assertThat(registry.get(IdempotencyMetricsListener.REQUESTS)
                            .tags("outcome", "replayed", "storage", "memory").counter().count()).isEqualTo(1);
                    assertThat(registry.get(TimedIdempotencyStorage.TIMER)
                            .tags("operation", "claim", "result", "acquired", "storage", "memory").timer().count())
                            .isEqualTo(1);
                    assertThat(registry.get(TimedIdempotencyStorage.TIMER)
                            .tags("operation", "complete", "result", "ok").timer().count()).isEqualTo(1);
                });
    }

    @Test
    void theStorageBeanStaysUndecoratedForHealthAndOperators() {
        runner.withBean(SimpleMeterRegistry.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(IdempotencyStorage.class)).isNotInstanceOf(TimedIdempotencyStorage.class);
        });
    }

    @Test
    void withoutAMeterRegistryBeanThereAreNoMetrics() {
        runner.run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(IdempotencyMetricsListener.class)
                .doesNotHaveBean(IdempotencyStorageDecorator.class));
    }

    @Test
    void withoutMicrometerOnTheClasspathThereAreNoMetrics() {
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> assertThat(context)
                .hasNotFailed()
                .doesNotHaveBean(IdempotencyMetricsListener.class)
                .doesNotHaveBean("idempotencyStorageMetrics"));
    }

    @Test
    void aUserDefinedMetricsListenerReplacesTheDefault() {
        runner.withBean(SimpleMeterRegistry.class)
                .withBean("myListener", IdempotencyMetricsListener.class, () -> new IdempotencyMetricsListener(
                        new SimpleMeterRegistry()))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(IdempotencyMetricsListener.class);
                    assertThat(context).hasBean("myListener");
                });
    }

    @Test
    void storageDecoratorsAreAppliedInOrderWhenTheKeeperIsBuilt() {
        runner.withUserConfiguration(RecordingDecorators.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(IdempotencyTemplate.class).execute("k-1", String.class, () -> "done");

            assertThat(context.getBean(RecordingDecorators.class).applied).containsExactly("first", "second");
        });
    }

    @Test
    void withAnObservationRegistryEachExecutionIsObserved() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        runner.withBean(ObservationRegistry.class, () -> observations).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(IdempotencyObservationListener.class);
            context.getBean(IdempotencyTemplate.class)
                    .execute("k-1", String.class, IdempotencyOptions.DEFAULTS.withScope("jobs"), () -> "done");

            TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                    .hasNameEqualTo("idempotency")
                    .hasLowCardinalityKeyValue("outcome", "executed")
                    .hasLowCardinalityKeyValue("storage", "memory")
                    .hasBeenStopped();
        });
    }

    @Test
    void bootsObservationAutoConfigurationTurnsObservationsOn() {
        runner.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(IdempotencyObservationListener.class));
    }

    @Test
    void withoutAnObservationRegistryThereAreNoObservations() {
        runner.run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(IdempotencyObservationListener.class));
    }

    @Test
    void theHealthIndicatorPingsTheStorageAndNamesIt() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(IdempotencyHealthIndicator.class)
                    .hasBean("idempotencyHealthIndicator");
            Health health = context.getBean(IdempotencyHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("storage", "memory");
        });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.idempotency.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyHealthIndicator.class));
    }

    @Test
    void aUserHealthIndicatorNamedIdempotencyReplacesTheDefault() {
        runner.withBean("idempotencyHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyHealthIndicator.class));
    }

    @Test
    void withoutTheHealthModuleThereIsNoHealthIndicator() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
    }

    @Test
    void theEndpointExistsOnlyWhenExposed() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                        IdempotencyEndpointAutoConfiguration.class));

        web.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyEndpoint.class));
        web.withPropertyValues("management.endpoints.web.exposure.include=idempotency")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(IdempotencyEndpoint.class));
        web.withPropertyValues("management.endpoints.web.exposure.include=idempotency",
                "management.endpoint.idempotency.access=NONE")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyEndpoint.class));
    }

    @Test
    void whenDisabledNoneOfTheOperabilityBeansIsCreated() {
        runner.withBean(SimpleMeterRegistry.class)
                .withBean(ObservationRegistry.class, TestObservationRegistry::create)
                .withPropertyValues("idempotency.enabled=false")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(IdempotencyMetricsListener.class)
                        .doesNotHaveBean(IdempotencyObservationListener.class)
                        .doesNotHaveBean(IdempotencyHealthIndicator.class)
                        .doesNotHaveBean(IdempotencyEndpoint.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingDecorators {

        final List<String> applied = new ArrayList<>();

        @Bean
        @Order(2)
        IdempotencyStorageDecorator second() {
            return storage -> {
                applied.add("second");
                return storage;
            };
        }

        @Bean
        @Order(1)
        IdempotencyStorageDecorator first() {
            return storage -> {
                applied.add("first");
                return storage;
            };
        }
    }
}
