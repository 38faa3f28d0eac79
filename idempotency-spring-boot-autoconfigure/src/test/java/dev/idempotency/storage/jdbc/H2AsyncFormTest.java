package dev.idempotency.storage.jdbc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.AsyncFormView;

/**
 * The storage contract through the offloaded asynchronous form of the JDBC (H2) storage, the one a
 * WebFlux request claims through: its blocking calls on a bounded executor.
 */
class H2AsyncFormTest extends H2IdempotencyStorageTest {

    private static final ExecutorService blockingCalls = Executors.newFixedThreadPool(4);

    private IdempotencyStorage view;

    @Override
    protected IdempotencyStorage storage() {
        if (view == null) {
            view = new AsyncFormView(super.storage(), blockingCalls);
        }
        return view;
    }

    @Override
    protected LosableAnswers losableAnswers() {
        return throughAsyncForm(super.losableAnswers(), blockingCalls);
    }

    @AfterAll
    static void stopBlockingCalls() {
        blockingCalls.shutdown();
    }
}
