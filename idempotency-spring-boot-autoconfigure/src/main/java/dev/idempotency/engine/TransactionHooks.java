package dev.idempotency.engine;

/**
 * The application's transactions, as far as the engine needs them: a way to be called just
 * before the transaction running on the calling thread commits, and once it has ended. An adapter
 * implements it for a transaction library ({@code dev.idempotency.transaction} for Spring's) and
 * tells the keeper when a transaction begins ({@link IdempotencyKeeper#transactionBegan()});
 * without one ({@link #NONE}) the engine sees no transaction.
 */
@FunctionalInterface
public interface TransactionHooks {

    /** No transactions: nothing is ever registered. */
    TransactionHooks NONE = callback -> false;

    /**
     * Registers {@code callback} with the transaction running on the calling thread.
     *
     * @param callback called just before that transaction commits and once it has ended
     * @return {@code false} when none runs there, or it takes no callbacks; nothing was registered
     */
    boolean register(TransactionCallback callback);
}
