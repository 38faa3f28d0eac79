package dev.idempotency.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;

@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "memory", matchIfMissing = true)
class MemoryStorageConfiguration {

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    InMemoryIdempotencyStorage idempotencyStorage(IdempotencyProperties properties) {
        IdempotencyProperties.Memory memory = properties.getStorage().getMemory();
        return new InMemoryIdempotencyStorage(memory.getMaxEntries(), memory.getSweepInterval());
    }
}
