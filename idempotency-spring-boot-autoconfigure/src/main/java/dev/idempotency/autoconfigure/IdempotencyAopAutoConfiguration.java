package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.idempotency.aop.IdempotentAspect;
import dev.idempotency.template.IdempotencyTemplate;

/** The {@code @Idempotent} aspect for bean methods, when AspectJ is on the classpath. */
@AutoConfiguration(after = IdempotencyTemplateAutoConfiguration.class)
@ConditionalOnClass(org.aspectj.weaver.Advice.class)
@ConditionalOnBean(IdempotencyTemplate.class)
public class IdempotencyAopAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotentAspect idempotentAspect(IdempotencyTemplate template, IdempotencyProperties properties) {
        return new IdempotentAspect(template, properties.getInProgress(), properties.getWaitTimeout());
    }
}
