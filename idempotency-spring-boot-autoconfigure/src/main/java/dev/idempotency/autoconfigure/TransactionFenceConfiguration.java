package dev.idempotency.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.ConfigurableTransactionManager;
import org.springframework.transaction.TransactionExecutionListener;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.TransactionHooks;
import dev.idempotency.transaction.ClaimFencingTransactionListener;
import dev.idempotency.transaction.SpringTransactionHooks;

/**
 * The keeper's fence on Spring's transactions ({@link IdempotencyKeeper#transactionBegan()}): the
 * hooks it registers its callbacks through, and the listener every transaction manager tells of
 * the transactions it begins. Spring Boot adds the listener to the transaction managers it
 * configures (its {@code TransactionManagerCustomizers}); once every singleton exists, it is
 * added to any other {@link ConfigurableTransactionManager} too, so that one the application built
 * itself does not silently leave its transactions unfenced.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(TransactionExecutionListener.class)
class TransactionFenceConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TransactionHooks idempotencyTransactionHooks() {
        return new SpringTransactionHooks();
    }

    @Bean
    ClaimFencingTransactionListener idempotencyTransactionFence(ObjectProvider<IdempotencyKeeper> keeper) {
        return new ClaimFencingTransactionListener(keeper::getObject);
    }

    @Bean
    SmartInitializingSingleton idempotencyTransactionFenceOnEveryTransactionManager(
            ObjectProvider<ConfigurableTransactionManager> transactionManagers,
            ObjectProvider<ClaimFencingTransactionListener> fence) {
        return () -> transactionManagers.orderedStream()
                .filter(manager -> manager.getTransactionExecutionListeners().stream()
                        .noneMatch(ClaimFencingTransactionListener.class::isInstance))
                .forEach(manager -> manager.addListener(fence.getObject()));
    }
}
