package dev.idempotency.autoconfigure;

import jakarta.servlet.DispatcherType;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.web.IdempotencyExceptionResolver;
import dev.idempotency.web.IdempotencyFilter;
import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.IdempotencyKeyValidator;
import dev.idempotency.web.IdempotencyRequestListener;
import dev.idempotency.web.IdempotencyScopeResolver;
import dev.idempotency.web.IdempotentHandlerGuard;
import dev.idempotency.web.IdempotentRequestMappingHandlerAdapter;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.ProblemResponseWriter;
import dev.idempotency.web.ReplayedHeaders;
import dev.idempotency.web.ResponseStoragePolicy;

/**
 * Spring MVC integration: the filter that captures responses, the listener that ends claims no
 * response completed, the handler adapter that claims keys as handlers start, and the problem
 * responses.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ DispatcherServlet.class, WebMvcRegistrations.class, JsonMapper.class })
@ConditionalOnBean(IdempotencyKeeper.class)
public class IdempotencyWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyKeyHeader idempotencyKeyHeader(IdempotencyProperties properties) {
        return new IdempotencyKeyHeader(properties.getWeb().getHeaderName(), properties.getWeb().getMaxKeyLength());
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotentRoutes idempotentRoutes(IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        return new IdempotentRoutes(web.getPaths(), web.getMethods(), web.isKeyRequired());
    }

    @Bean
    @ConditionalOnMissingBean
    ResponseStoragePolicy idempotencyResponseStoragePolicy(IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        return new ResponseStoragePolicy(web.isStoreClientErrors(), web.isStoreServerErrors(),
                web.getNeverStoredStatuses());
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotencyScopeResolver idempotencyScopeResolver(IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        return web.getScope() == IdempotencyProperties.Scope.TENANT_HEADER
                ? IdempotencyScopeResolver.header(web.getTenantHeader()) : IdempotencyScopeResolver.principal();
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotencyKeyValidator idempotencyKeyValidator(IdempotencyProperties properties) {
        return properties.getWeb().getKeyFormat() == IdempotencyProperties.KeyFormat.UUID
                ? IdempotencyKeyValidator.uuid() : IdempotencyKeyValidator.any();
    }

    @Bean
    @ConditionalOnMissingBean
    ProblemResponseWriter idempotencyProblemResponseWriter(IdempotencyProperties properties,
            ObjectProvider<JsonMapper> jsonMapper) {
        return new ProblemResponseWriter(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()),
                properties.getWeb().getProblemTypeBase(), properties.getWeb().getDocumentationUrl());
    }

    @Bean
    @ConditionalOnMissingBean
    ReplayedHeaders idempotencyReplayedHeaders(IdempotencyProperties properties) {
        return new ReplayedHeaders(properties.getWeb().getReplayHeaders());
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotentHandlerGuard idempotentHandlerGuard(IdempotencyKeeper keeper, IdempotentRoutes routes,
            IdempotencyKeyHeader header, IdempotencyKeyValidator keyValidator, IdempotencyScopeResolver scopeResolver,
            IdempotencyProperties properties) {
        return new IdempotentHandlerGuard(keeper, routes, header, keyValidator, scopeResolver,
                properties.getInProgress(), properties.getWaitTimeout(),
                Math.toIntExact(properties.getWeb().getMaxRequestSize().toBytes()));
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotencyExceptionResolver idempotencyExceptionResolver(ProblemResponseWriter problems,
            IdempotencyProperties properties) {
        return new IdempotencyExceptionResolver(problems, properties.getWeb().getRetryAfter());
    }

    @Bean
    FilterRegistrationBean<IdempotencyFilter> idempotencyFilter(IdempotencyKeyHeader header,
            ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders, ProblemResponseWriter problems,
            IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(
                new IdempotencyFilter(header, policy, replayedHeaders, problems, web.getMaxResponseSize().toBytes()));
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC,
                DispatcherType.ERROR);
        registration.setOrder(properties.getWeb().getFilterOrder());
        return registration;
    }

    @Bean
    ServletListenerRegistrationBean<IdempotencyRequestListener> idempotencyRequestListener() {
        return new ServletListenerRegistrationBean<>(new IdempotencyRequestListener());
    }

    @Bean
    WebMvcRegistrations idempotencyWebMvcRegistrations(ObjectProvider<IdempotentHandlerGuard> guard) {
        return new WebMvcRegistrations() {
            @Override
            public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
                return new IdempotentRequestMappingHandlerAdapter(guard::getObject);
            }
        };
    }

    @Bean
    static SmartInitializingSingleton idempotencyHandlerAdapterCheck(ApplicationContext context) {
        return () -> new IdempotentHandlerSetupCheck(context).verify();
    }
}
