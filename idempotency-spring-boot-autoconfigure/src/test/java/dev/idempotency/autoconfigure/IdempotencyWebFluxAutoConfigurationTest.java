package dev.idempotency.autoconfigure;

import reactor.core.publisher.Mono;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.web.reactive.IdempotencyWebFilter;
import dev.idempotency.web.reactive.IdempotentReactiveHandlerAdapter;
import dev.idempotency.web.reactive.ReactiveHandlerGuard;
import dev.idempotency.web.reactive.ReactiveIdempotencyScopeResolver;
import dev.idempotency.web.servlet.IdempotencyFilter;
import dev.idempotency.web.servlet.IdempotentHandlerGuard;

import static org.assertj.core.api.Assertions.assertThat;

/** What a reactive web application gets: the WebFlux adapter of the web rules, and none of the servlet one. */
class IdempotencyWebFluxAutoConfigurationTest {

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyWebAutoConfiguration.class, IdempotencyWebFluxAutoConfiguration.class,
                    JacksonAutoConfiguration.class, WebFluxAutoConfiguration.class));

    @Test
    void aReactiveApplicationGetsTheFilterTheGuardAndTheIdempotentHandlerAdapter() {
        runner.run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(IdempotencyWebFilter.class)
                    .hasSingleBean(ReactiveHandlerGuard.class)
                    .hasSingleBean(ReactiveIdempotencyScopeResolver.class)
                    .doesNotHaveBean(IdempotencyFilter.class)
                    .doesNotHaveBean(IdempotentHandlerGuard.class);
            assertThat(context.getBean(RequestMappingHandlerAdapter.class))
                    .isInstanceOf(IdempotentReactiveHandlerAdapter.class);
        });
    }

    @Test
    void theApplicationsScopeResolverWins() {
        runner.withUserConfiguration(OwnScope.class).run(context -> assertThat(context).hasNotFailed()
                .getBean(ReactiveIdempotencyScopeResolver.class).isSameAs(context.getBean("tenantFromPath")));
    }

    @Test
    void whenDisabledNoWebFluxBeanOfTheStarterIsCreated() {
        runner.withPropertyValues("idempotency.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(IdempotencyWebFilter.class)
                .doesNotHaveBean(ReactiveHandlerGuard.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnScope {

        @Bean
        ReactiveIdempotencyScopeResolver tenantFromPath() {
            return exchange -> Mono.just(exchange.getRequest().getPath().value());
        }
    }
}
