package dev.idempotency.autoconfigure;

import dev.idempotency.storage.IdempotencyStorage;

/**
 * Wraps the {@link IdempotencyStorage} the engine claims keys through, for example to time every
 * storage call. Every bean of this type is applied when the auto-configured
 * {@link dev.idempotency.engine.IdempotencyKeeper} is built, in
 * {@link org.springframework.core.annotation.Order order}: the first wraps the storage, the next
 * wraps that. The storage bean itself stays undecorated. A decorator must delegate every method
 * and must not change what it answers.
 */
@FunctionalInterface
public interface IdempotencyStorageDecorator {

    /**
     * The storage to use in place of {@code storage}, usually one that delegates to it.
     *
     * @param storage the storage as decorated so far
     * @return the storage the engine uses instead
     */
    IdempotencyStorage decorate(IdempotencyStorage storage);
}
