package dev.idempotency.engine;

/**
 * Which claim's work runs on each thread, and what a transaction that begins there is told: the
 * keeper's half of the fence that keeps a stale holder from committing. A claim is current on a
 * thread only while {@link OwnedKey#runAsCurrent} runs its work there, and stops being current
 * when that returns, however it returns, so a pooled thread never carries a claim into the next
 * task.
 */
final class TransactionFencing {

    private final ThreadLocal<OwnedKey> current = new ThreadLocal<>();
    private final TransactionHooks transactions;
    private final boolean everyTransaction;

    /** @param everyTransaction whether transactions the storage does not join are fenced too */
    TransactionFencing(TransactionHooks transactions, boolean everyTransaction) {
        this.transactions = transactions;
        this.everyTransaction = everyTransaction;
    }

    <T, E extends Throwable> T runAs(OwnedKey claim, IdempotentWork<T, E> work) throws E {
        OwnedKey outer = current.get();
        current.set(claim);
        try {
            return work.run();
        }
        finally {
            if (outer == null) {
                current.remove();
            }
            else {
                current.set(outer);
            }
        }
    }

    /** The claim whose work runs on the calling thread, or {@code null}. */
    OwnedKey current() {
        return current.get();
    }

    /** Whether a transaction that {@code joined} is {@code false} for (the storage stays outside it) is fenced. */
    boolean fences(boolean joined) {
        return joined || everyTransaction;
    }

    /** @see TransactionHooks#register */
    boolean register(TransactionCallback callback) {
        return transactions.register(callback);
    }
}
