package dev.idempotency.storage.memory;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.AsyncFormView;

/**
 * The storage contract through the native asynchronous form of the in-memory storage, the one a
 * WebFlux request claims through: answered on the caller's thread, it runs nothing on an executor.
 */
class InMemoryAsyncFormTest extends InMemoryIdempotencyStorageTest {

    private IdempotencyStorage view;

    @Override
    protected IdempotencyStorage storage() {
        if (view == null) {
            view = new AsyncFormView(super.storage(), AsyncFormView.NO_BLOCKING_CALLS);
        }
        return view;
    }

    @Override
    protected LosableAnswers losableAnswers() {
        return throughAsyncForm(super.losableAnswers(), AsyncFormView.NO_BLOCKING_CALLS);
    }
}
