package dev.idempotency.storage.nats;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.AsyncFormView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storage contract through the asynchronous form of the NATS storage, the one a WebFlux
 * request claims through: claims on jnats' asynchronous requests, the rest of its calls on a
 * bounded executor.
 */
class NatsAsyncFormTest extends NatsIdempotencyStorageTest {

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
    protected LosableAnswers losableAnswers() throws Exception {
        return throughAsyncForm(super.losableAnswers(), blockingCalls);
    }

    @AfterAll
    static void stopBlockingCalls() {
        blockingCalls.shutdown();
    }

    @Test
    void aClaimThatWinsRunsNoTaskOnTheExecutor() {
        AtomicInteger tasks = new AtomicInteger();
        AsyncIdempotencyStorage async = super.storage().async(task -> {
            tasks.incrementAndGet();
            blockingCalls.execute(task);
        });

        ClaimResult claim = async.attemptLock(key("native-claim"), bytes("v"), LONG).toCompletableFuture().join();

        assertThat(claim).isInstanceOf(ClaimResult.Acquired.class);
        assertThat(tasks).hasValue(0);
    }
}
