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
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.IdempotencyKeyValidator;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.ResponseRecorder;
import dev.idempotency.web.servlet.IdempotencyExceptionResolver;
import dev.idempotency.web.servlet.IdempotencyFilter;
import dev.idempotency.web.servlet.IdempotencyRequestListener;
import dev.idempotency.web.servlet.IdempotencyScopeResolver;
import dev.idempotency.web.servlet.IdempotentHandlerGuard;
import dev.idempotency.web.servlet.IdempotentRequestMappingHandlerAdapter;
import dev.idempotency.web.servlet.ProblemResponseWriter;
import dev.idempotency.web.servlet.ServletStreaming;

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
@Import(WebRulesConfiguration.class)
public class IdempotencyWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyScopeResolver idempotencyScopeResolver(IdempotencyProperties properties) {
        IdempotencyProperties.Web web = properties.getWeb();
        return web.getScope() == IdempotencyProperties.Scope.TENANT_HEADER
                ? IdempotencyScopeResolver.header(web.getTenantHeader()) : IdempotencyScopeResolver.principal();
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
    HandlerAdmission idempotentHandlerAdmission(IdempotencyKeeper keeper, IdempotentRoutes routes,
            IdempotencyKeyHeader header, IdempotencyKeyValidator keyValidator, IdempotencyProperties properties) {
        return new HandlerAdmission(keeper, routes, header, keyValidator, ServletStreaming.handlers(),
                properties.getInProgress(), properties.getWaitTimeout(),
                Math.toIntExact(properties.getWeb().getMaxRequestSize().toBytes()));
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotentHandlerGuard idempotentHandlerGuard(HandlerAdmission admission,
            IdempotencyScopeResolver scopeResolver) {
        return new IdempotentHandlerGuard(admission, scopeResolver);
    }

    @Bean
    @ConditionalOnMissingBean
    IdempotencyExceptionResolver idempotencyExceptionResolver(ProblemResponseWriter problems,
            IdempotencyProperties properties) {
        return new IdempotencyExceptionResolver(problems, properties.getWeb().getRetryAfter());
    }

    @Bean
    FilterRegistrationBean<IdempotencyFilter> idempotencyFilter(IdempotencyKeyHeader header,
            ResponseRecorder recorder, ProblemResponseWriter problems, IdempotencyProperties properties) {
        FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(
                new IdempotencyFilter(header, recorder, problems));
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
