package dev.idempotency.autoconfigure;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.template.IdempotencyTemplate;

/** The programmatic {@link IdempotencyTemplate}, on the application's Jackson {@link JsonMapper}. */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass(JsonMapper.class)
@ConditionalOnBean(IdempotencyKeeper.class)
public class IdempotencyTemplateAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyTemplate idempotencyTemplate(IdempotencyKeeper keeper, ObjectProvider<JsonMapper> jsonMapper) {
        return new IdempotencyTemplate(keeper, jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
    }
}
