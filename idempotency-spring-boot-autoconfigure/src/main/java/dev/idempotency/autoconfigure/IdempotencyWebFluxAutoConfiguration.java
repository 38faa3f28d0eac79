package dev.idempotency.autoconfigure;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.webflux.autoconfigure.WebFluxRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.IdempotencyKeyValidator;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.ProblemResponses;
import dev.idempotency.web.ResponseRecorder;
import dev.idempotency.web.reactive.IdempotencyWebFilter;
import dev.idempotency.web.reactive.IdempotentReactiveHandlerAdapter;
import dev.idempotency.web.reactive.ReactiveHandlerGuard;
import dev.idempotency.web.reactive.ReactiveIdempotencyScopeResolver;
import dev.idempotency.web.reactive.ReactiveResponses;
import dev.idempotency.web.reactive.ReactiveStreaming;

/**
 * WebFlux integration, the same rules and properties as the Spring MVC one: the filter that
 * captures responses, the handler adapter that claims keys as handler methods are invoked without
 * blocking an event loop, and the problem responses.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ DispatcherHandler.class, WebFluxRegistrations.class, JsonMapper.class })
@ConditionalOnBean(IdempotencyKeeper.class)
@Import(WebRulesConfiguration.class)
public class IdempotencyWebFluxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ReactiveIdempotencyScopeResolver reactiveIdempotencyScopeResolver(IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        return web.getScope() == IdempotencyProperties.Scope.TENANT_HEADER
                ? ReactiveIdempotencyScopeResolver.header(web.getTenantHeader())
                : ReactiveIdempotencyScopeResolver.principal();
    }

    @Bean
    @ConditionalOnMissingBean
    HandlerAdmission idempotentHandlerAdmission(IdempotencyKeeper keeper, IdempotentRoutes routes,
            IdempotencyKeyHeader header, IdempotencyKeyValidator keyValidator, IdempotencyProperties properties) {
        return new HandlerAdmission(keeper, routes, header, keyValidator, ReactiveStreaming.handlers(),
                properties.getInProgress(), properties.getWaitTimeout(),
                Math.toIntExact(properties.getWeb().getMaxRequestSize().toBytes()));
    }

    @Bean
    @ConditionalOnMissingBean
    ReactiveResponses idempotencyReactiveResponses(IdempotencyProperties properties,
            ObjectProvider<JsonMapper> jsonMapper) {
        return new ReactiveResponses(new ProblemResponses(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()),
                properties.getWeb().getProblemTypeBase(), properties.getWeb().getDocumentationUrl()));
    }

    @Bean
    @ConditionalOnMissingBean
    ReactiveHandlerGuard reactiveIdempotentHandlerGuard(HandlerAdmission admission,
            ReactiveIdempotencyScopeResolver scopeResolver, ReactiveResponses responses,
            IdempotencyProperties properties) {
        return new ReactiveHandlerGuard(admission, scopeResolver, responses, properties.getWeb().getRetryAfter());
    }

    @Bean
    IdempotencyWebFilter idempotencyWebFilter(IdempotencyKeyHeader header, ResponseRecorder recorder,
            IdempotencyProperties properties) {
        return new IdempotencyWebFilter(header, recorder, properties.getWeb().getFilterOrder());
    }

    @Bean
    WebFluxRegistrations idempotencyWebFluxRegistrations(ObjectProvider<ReactiveHandlerGuard> guard) {
        return new WebFluxRegistrations() {
            @Override
            public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
                return new IdempotentReactiveHandlerAdapter(guard::getObject);
            }
        };
    }
}
