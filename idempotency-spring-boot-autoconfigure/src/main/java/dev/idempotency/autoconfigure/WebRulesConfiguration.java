package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.IdempotencyKeyValidator;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.ReplayedHeaders;
import dev.idempotency.web.ResponseRecorder;
import dev.idempotency.web.ResponseStoragePolicy;

/** The HTTP rules both web stacks share, from {@code idempotency.web.*}; imported by each stack's auto-configuration. */
@Configuration(proxyBeanMethods = false)
class WebRulesConfiguration {

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
    IdempotencyKeyValidator idempotencyKeyValidator(IdempotencyProperties properties) {
        return properties.getWeb().getKeyFormat() == IdempotencyProperties.KeyFormat.UUID
                ? IdempotencyKeyValidator.uuid() : IdempotencyKeyValidator.any();
    }

    @Bean
    @ConditionalOnMissingBean
    ReplayedHeaders idempotencyReplayedHeaders(IdempotencyProperties properties) {
        return new ReplayedHeaders(properties.getWeb().getReplayHeaders());
    }

    @Bean
    @ConditionalOnMissingBean
    ResponseRecorder idempotencyResponseRecorder(ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders,
            IdempotencyProperties properties) {
        return new ResponseRecorder(policy, replayedHeaders, properties.getWeb().getMaxResponseSize().toBytes());
    }
}
