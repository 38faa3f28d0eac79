package dev.idempotency.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

import dev.idempotency.aop.IdempotentMethodAdvisor;
import dev.idempotency.aop.IdempotentMethodInterceptor;
import dev.idempotency.aop.IdempotentMethodRules;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.template.IdempotencyTemplate;

/**
 * {@code @Idempotent(key = ...)} on bean methods: the advisor, an infrastructure bean as Spring's
 * transaction and cache advisors are, so that the auto-proxy creator Spring Boot registers applies
 * it with or without AspectJ; and the start-up check that fails when an annotated method would run
 * unprotected, also when there is no {@link IdempotencyTemplate} (no Jackson) to run them with.
 */
@AutoConfiguration(after = IdempotencyTemplateAutoConfiguration.class,
        afterName = "org.springframework.boot.autoconfigure.aop.AopAutoConfiguration")
@ConditionalOnBean(IdempotencyKeeper.class)
public class IdempotencyAopAutoConfiguration {

    /** Static, and its interceptor made on the first call: an advisor is created with the post-processors. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnBean(IdempotencyTemplate.class)
    @ConditionalOnMissingBean
    static IdempotentMethodAdvisor idempotentMethodAdvisor(ObjectProvider<IdempotencyTemplate> template,
            ObjectProvider<IdempotencyProperties> properties) {
        return new IdempotentMethodAdvisor(() -> new IdempotentMethodInterceptor(template.getObject(),
                properties.getObject().getInProgress(), properties.getObject().getWaitTimeout()));
    }

    @Bean
    static SmartInitializingSingleton idempotentMethodSetupCheck(ConfigurableListableBeanFactory beanFactory,
            ObjectProvider<IdempotencyTemplate> template, ObjectProvider<IdempotentMethodAdvisor> advisor) {
        return () -> new IdempotentMethodSetupCheck(beanFactory,
                new IdempotentMethodRules(template.getIfAvailable(), advisor.getIfAvailable())).verify();
    }
}
