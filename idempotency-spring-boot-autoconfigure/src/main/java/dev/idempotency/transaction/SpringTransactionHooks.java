package dev.idempotency.transaction;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.idempotency.engine.TransactionCallback;
import dev.idempotency.engine.TransactionHooks;

/**
 * The engine's {@link TransactionHooks} on Spring's transaction synchronization: a callback is
 * registered with the transaction that Spring runs on the calling thread, as a
 * {@link TransactionSynchronization} ordered last, so that it runs after the synchronizations that
 * flush work into the transaction. A read-only transaction commits nothing and takes no callback.
 */
public final class SpringTransactionHooks implements TransactionHooks {

    @Override
    public boolean register(TransactionCallback callback) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.isActualTransactionActive()
                || TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
            return false;
        }
        TransactionSynchronizationManager.registerSynchronization(new CallbackSynchronization(callback));
        return true;
    }

    private record CallbackSynchronization(TransactionCallback callback) implements TransactionSynchronization {

        @Override
        public void beforeCommit(boolean readOnly) {
            callback.beforeCommit();
        }

        @Override
        public void afterCompletion(int status) {
            callback.afterCompletion(switch (status) {
                case STATUS_COMMITTED -> TransactionCallback.Completion.COMMITTED;
                case STATUS_ROLLED_BACK -> TransactionCallback.Completion.ROLLED_BACK;
                default -> TransactionCallback.Completion.UNKNOWN;
            });
        }
    }
}
