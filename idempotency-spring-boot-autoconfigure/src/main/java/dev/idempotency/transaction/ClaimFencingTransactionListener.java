package dev.idempotency.transaction;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

import dev.idempotency.engine.IdempotencyKeeper;

/**
 * Tells the keeper of every transaction a transaction manager begins, so that the claim whose
 * work runs on that thread fences it ({@link IdempotencyKeeper#transactionBegan()}). Spring Boot
 * adds every {@link TransactionExecutionListener} bean to the transaction managers it configures;
 * a transaction manager of the application's own needs
 * {@link org.springframework.transaction.ConfigurableTransactionManager#addListener} with it.
 */
public final class ClaimFencingTransactionListener implements TransactionExecutionListener {

    private final IdempotencyKeeper keeper;

    public ClaimFencingTransactionListener(IdempotencyKeeper keeper) {
        this.keeper = keeper;
    }

    @Override
    public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
        if (beginFailure == null) {
            keeper.transactionBegan();
        }
    }
}
