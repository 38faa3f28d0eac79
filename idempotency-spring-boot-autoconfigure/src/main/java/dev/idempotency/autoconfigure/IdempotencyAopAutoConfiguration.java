package dev.idempotency.autoconfigure;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.aop.IdempotentAspect;
import dev.idempotency.engine.IdempotencyKeeper;

/** The {@code @Idempotent} aspect for bean methods, when AspectJ is on the classpath. */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass({ org.aspectj.weaver.Advice.class, JsonMapper.class })
@ConditionalOnBean(IdempotencyKeeper.class)
public class IdempotencyAopAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotentAspect idempotentAspect(IdempotencyKeeper keeper, ObjectProvider<JsonMapper> jsonMapper,
            IdempotencyProperties properties) {
        return new IdempotentAspect(keeper, jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()),
                properties.getInProgress(), properties.getWaitTimeout());
    }
}
