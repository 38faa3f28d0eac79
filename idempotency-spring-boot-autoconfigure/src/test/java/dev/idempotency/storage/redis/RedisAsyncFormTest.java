package dev.idempotency.storage.redis;

import java.io.IOException;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.AsyncFormView;

/**
 * The storage contract through the native (Lettuce's reactive API) asynchronous form of the Redis storage, the one a
 * WebFlux request claims through: it runs nothing on an executor.
 */
class RedisAsyncFormTest extends RedisIdempotencyStorageTest {

    private IdempotencyStorage view;

    @Override
    protected IdempotencyStorage storage() {
        if (view == null) {
            view = new AsyncFormView(super.storage(), AsyncFormView.NO_BLOCKING_CALLS);
        }
        return view;
    }

    @Override
    protected LosableAnswers losableAnswers() throws IOException {
        return throughAsyncForm(super.losableAnswers(), AsyncFormView.NO_BLOCKING_CALLS);
    }
}
