package dev.idempotency.transaction;

import java.util.function.Supplier;

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

    private final Supplier<IdempotencyKeeper> keeperSource;
    private volatile IdempotencyKeeper keeper;

    /**
     * @param keeper the keeper, looked up at the first transaction: a transaction manager is often
     *     created before the keeper, whose own dependencies may need that transaction manager
     */
    public ClaimFencingTransactionListener(Supplier<IdempotencyKeeper> keeper) {
        this.keeperSource = keeper;
    }

    @Override
    public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
        if (beginFailure == null) {
            keeper().transactionBegan();
        }
    }

    private IdempotencyKeeper keeper() {
        IdempotencyKeeper found = keeper;
        if (found == null) {
            found = keeperSource.get();
            keeper = found;
        }
        return found;
    }
}
