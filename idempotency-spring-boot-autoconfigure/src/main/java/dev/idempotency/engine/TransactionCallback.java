package dev.idempotency.engine;

/** What the engine does at the end of an application's transaction; see {@link TransactionHooks}. */
public interface TransactionCallback {

    /**
     * Runs just before the transaction commits, on its thread, while its resources are still
     * bound to the thread. An exception thrown here rolls the transaction back and reaches the
     * code that asked for the commit.
     */
    void beforeCommit();

    /**
     * Runs once the transaction has ended, on its thread; must not throw.
     *
     * @param completion how the transaction ended
     */
    void afterCompletion(Completion completion);

    /** How a transaction ended. */
    enum Completion {

        /** The data was committed. */
        COMMITTED,

        /** Nothing was committed. */
        ROLLED_BACK,

        /** The commit failed in a way that leaves unknown whether the data was committed. */
        UNKNOWN
    }
}
