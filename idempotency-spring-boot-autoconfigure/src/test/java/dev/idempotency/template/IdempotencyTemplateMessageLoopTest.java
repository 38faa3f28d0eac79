package dev.idempotency.template;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The programmatic API as a message listener uses it: a queue that delivers some messages twice,
 * once to two consumers at the same time, and redelivers a message whose handler failed.
 */
class IdempotencyTemplateMessageLoopTest {

    private static final IdempotencyOptions PAYMENTS = IdempotencyOptions.DEFAULTS.withScope("payments");

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = now::get;
    /** The storage's monotonic clock, moved with {@link #now}. */
    private final LongSupplier nanoTime = () -> Duration.between(Instant.EPOCH, now.get()).toNanos();
    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1),
            clock, nanoTime);
    private final IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "template.", Duration.ofHours(1),
            Duration.ofSeconds(30));
    private final IdempotencyTemplate template = new IdempotencyTemplate(keeper, JsonMapper.builder().build());

    record Payment(String id, int amount) {
    }

    record Receipt(String paymentId, int charged, int attempt) {
    }

    @AfterEach
    void close() {
        keeper.close();
        storage.close();
    }

    @Test
    void aQueueWithDuplicatesRedeliveriesAndAConcurrentDuplicateRunsTheHandlerOncePerMessage() throws Exception {
        Payment p1 = new Payment("p1", 10);
        Payment p2 = new Payment("p2", 20);
        Payment p3 = new Payment("p3", 30);
        Payment failsOnce = new Payment("p4", 40);
        Payment concurrent = new Payment("p5", 50);
        PaymentHandler handler = new PaymentHandler(failsOnce.id(), concurrent.id());
        List<Payment> deliveries = List.of(concurrent, concurrent, p1, p2, p1, p3, failsOnce, p2, p3, p1);
        MessageQueue queue = new MessageQueue(deliveries);

        ExecutorService consumers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> running = List.of(consumers.submit(() -> consume(queue, handler)),
                    consumers.submit(() -> consume(queue, handler)));
            for (Future<?> consumer : running) {
                consumer.get(30, TimeUnit.SECONDS);
            }
        }
        finally {
            consumers.shutdownNow();
        }

        assertThat(handler.completedRuns).containsOnlyKeys("p1", "p2", "p3", "p4", "p5")
                .allSatisfy((id, runs) -> assertThat(runs.get()).as("runs of %s", id).isEqualTo(1));
        assertThat(handler.attempts.get("p4").get()).isEqualTo(2);
        assertThat(queue.acked).hasSize(deliveries.size());
        assertThat(queue.acked).filteredOn(receipt -> receipt.paymentId().equals("p1")).hasSize(3)
                .containsOnly(new Receipt("p1", 10, 1));
        assertThat(queue.acked).filteredOn(receipt -> receipt.paymentId().equals("p4"))
                .containsExactly(new Receipt("p4", 40, 2));
        assertThat(queue.acked).filteredOn(receipt -> receipt.paymentId().equals("p5")).hasSize(2)
                .containsOnly(new Receipt("p5", 50, 1));
        assertThat(queue.conflicts.get()).isPositive();
        assertThat(queue.failures.get()).isEqualTo(1);
    }

    @Test
    void aDuplicateThatWaitsGetsTheFirstDeliverysResultWithoutRunningIt() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch finishFirst = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        IdempotencyOptions waiting = PAYMENTS.withMaxWait(Duration.ofSeconds(10));
        ExecutorService consumers = Executors.newFixedThreadPool(2);
        try {
            Future<Receipt> first = consumers.submit(() -> template.execute("p1", Receipt.class, waiting, () -> {
                runs.incrementAndGet();
                firstRunning.countDown();
                await(finishFirst);
                return new Receipt("p1", 10, 1);
            }));
            await(firstRunning);
            Future<Receipt> duplicate = consumers.submit(() -> template.execute("p1", Receipt.class, waiting, () -> {
                runs.incrementAndGet();
                return new Receipt("p1", 10, 2);
            }));
            finishFirst.countDown();

            assertThat(duplicate.get(10, TimeUnit.SECONDS)).isEqualTo(first.get(10, TimeUnit.SECONDS));
        }
        finally {
            consumers.shutdownNow();
        }
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aResultIsReplayedAsItsClass() {
        Receipt first = template.execute("p1", Receipt.class, PAYMENTS, () -> new Receipt("p1", 10, 1));
        Receipt replay = template.execute("p1", Receipt.class, PAYMENTS, () -> new Receipt("p1", 10, 2));

        assertThat(replay).isEqualTo(first).isNotSameAs(first);
    }

    @Test
    void aGenericResultIsReplayedAsItsTypeReference() {
        TypeReference<List<Receipt>> receipts = new TypeReference<>() {
        };
        template.execute("batch-1", receipts, PAYMENTS, () -> List.of(new Receipt("p1", 10, 1)));

        List<Receipt> replay = template.execute("batch-1", receipts, PAYMENTS, List::of);

        assertThat(replay).containsExactly(new Receipt("p1", 10, 1));
        assertThat(replay.get(0)).isInstanceOf(Receipt.class);
    }

    @Test
    void theSameKeyInAnotherScopeIsAnotherKey() {
        AtomicInteger runs = new AtomicInteger();

        template.execute("k-1", Integer.class, PAYMENTS, runs::incrementAndGet);
        template.execute("k-1", Integer.class, PAYMENTS.withScope("refunds"), runs::incrementAndGet);
        template.execute("k-1", Integer.class, PAYMENTS, runs::incrementAndGet);

        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void theSameKeyWithAnotherPayloadIsRefused() {
        Payment payment = new Payment("p1", 10);
        template.execute(payment.id(), Receipt.class, PAYMENTS.withPayload(payment), () -> new Receipt("p1", 10, 1));

        assertThatThrownBy(() -> template.execute(payment.id(), Receipt.class,
                PAYMENTS.withPayload(new Payment("p1", 99)), () -> new Receipt("p1", 99, 1)))
                .isInstanceOf(IdempotencyKeyReusedException.class);
    }

    @Test
    void aResultIsKeptForItsOwnTtlThenTheWorkRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        IdempotencyOptions shortLived = PAYMENTS.withTtl(Duration.ofMinutes(1));

        template.execute("short", Integer.class, shortLived, runs::incrementAndGet);
        template.execute("long", Integer.class, PAYMENTS, runs::incrementAndGet);
        now.set(now.get().plus(Duration.ofSeconds(59)));
        template.execute("short", Integer.class, shortLived, runs::incrementAndGet);
        assertThat(runs.get()).isEqualTo(2);

        now.set(now.get().plus(Duration.ofMinutes(2)));
        template.execute("short", Integer.class, shortLived, runs::incrementAndGet);
        template.execute("long", Integer.class, PAYMENTS, runs::incrementAndGet);

        assertThat(runs.get()).isEqualTo(3);
    }

    @Test
    void aFailedRunIsRethrownAndTheRedeliveryRunsAgain() {
        AtomicInteger runs = new AtomicInteger();

        assertThatIllegalStateException().isThrownBy(() -> template.run("p1", PAYMENTS, () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("gateway timeout");
        }));
        template.run("p1", PAYMENTS, runs::incrementAndGet);
        template.run("p1", PAYMENTS, runs::incrementAndGet);

        assertThat(runs.get()).isEqualTo(2);
    }

    /** A result declared as an interface: Jackson writes the record, but cannot read an interface back. */
    interface Confirmation {
        String paymentId();
    }

    record CardConfirmation(String paymentId) implements Confirmation {
    }

    @Test
    void aResultThatDoesNotReadBackAsItsTypeFailsTheFirstDeliveryAndNoRedeliveryRunsTheHandler() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> template.execute("p1", Confirmation.class, PAYMENTS, () -> {
            runs.incrementAndGet();
            return new CardConfirmation("p1");
        })).isInstanceOf(IdempotentResultNotReplayableException.class)
                .hasMessageContaining(Confirmation.class.getName())
                .hasRootCauseInstanceOf(InvalidDefinitionException.class);
        for (int redelivery = 0; redelivery < 3; redelivery++) {
            assertThatThrownBy(() -> template.execute("p1", Confirmation.class, PAYMENTS, () -> {
                runs.incrementAndGet();
                return new CardConfirmation("p1");
            })).isInstanceOf(IdempotentResultNotReplayableException.class);
        }

        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void anAsyncResultIsStoredOnceItsStageCompletesAndReplayedAsACompletedFuture() {
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Receipt> charged = new CompletableFuture<>();

        CompletableFuture<Receipt> first = template.executeAsync("p1", Receipt.class, PAYMENTS, () -> {
            runs.incrementAndGet();
            return charged;
        });
        charged.complete(new Receipt("p1", 10, 1));
        CompletableFuture<Receipt> replay = template.executeAsync("p1", Receipt.class, PAYMENTS, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(new Receipt("p1", 10, 2));
        });

        assertThat(first).isCompletedWithValue(new Receipt("p1", 10, 1));
        assertThat(replay).isCompletedWithValue(new Receipt("p1", 10, 1));
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aTypeJacksonCannotConstructIsNamedBeforeAnythingRuns() {
        assertThat(template.whyUnreadable(Confirmation.class)).hasValueSatisfying(
                reason -> assertThat(reason).contains(Confirmation.class.getName()));
        assertThat(template.whyUnreadable(NoCreator.class)).isPresent();
        assertThat(template.whyUnreadable(Receipt.class)).isEmpty();
        assertThat(template.whyUnreadable(new TypeReference<List<Receipt>>() {
        }.getType())).isEmpty();
        assertThat(template.whyUnreadable(String.class)).isEmpty();
        assertThat(template.whyUnreadable(void.class)).isEmpty();
    }

    /** Jackson can write its getter, but has no constructor or factory to read it back with. */
    static final class NoCreator {

        private final String id;

        NoCreator(String id, int unused) {
            this.id = id;
        }

        public String getId() {
            return id;
        }
    }

    /** One consumer: handles deliveries until every one was acknowledged; requeues conflicts and failures. */
    private void consume(MessageQueue queue, PaymentHandler handler) {
        while (queue.outstanding.get() > 0) {
            Payment payment;
            try {
                payment = queue.deliveries.poll(10, TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (payment == null) {
                continue;
            }
            try {
                Receipt receipt = template.execute(payment.id(), Receipt.class, PAYMENTS.withPayload(payment),
                        () -> handler.handle(payment));
                queue.acked.add(receipt);
                queue.outstanding.decrementAndGet();
            }
            catch (IdempotentRequestInProgressException ex) {
                queue.conflicts.incrementAndGet();
                handler.duplicateRefused(payment.id());
                queue.deliveries.add(payment);
            }
            catch (IllegalStateException ex) {
                queue.failures.incrementAndGet();
                queue.deliveries.add(payment);
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** A broker's queue: redelivers what a consumer puts back, and counts what was acknowledged. */
    private static final class MessageQueue {

        final BlockingQueue<Payment> deliveries;
        final AtomicInteger outstanding;
        final List<Receipt> acked = new CopyOnWriteArrayList<>();
        final AtomicInteger conflicts = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        MessageQueue(List<Payment> deliveries) {
            this.deliveries = new LinkedBlockingQueue<>(new ArrayList<>(deliveries));
            this.outstanding = new AtomicInteger(deliveries.size());
        }
    }

    /**
     * Charges a payment. The first attempt of {@code failingId} fails; the run of {@code slowId}
     * holds until a duplicate delivered meanwhile to the other consumer was refused.
     */
    private static final class PaymentHandler {

        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> completedRuns = new ConcurrentHashMap<>();
        private final String failingId;
        private final String slowId;
        private final CountDownLatch slowDuplicateRefused = new CountDownLatch(1);

        PaymentHandler(String failingId, String slowId) {
            this.failingId = failingId;
            this.slowId = slowId;
        }

        Receipt handle(Payment payment) {
            int attempt = attempts.computeIfAbsent(payment.id(), id -> new AtomicInteger()).incrementAndGet();
            if (payment.id().equals(failingId) && attempt == 1) {
                throw new IllegalStateException("gateway timeout");
            }
            if (payment.id().equals(slowId)) {
                await(slowDuplicateRefused);
            }
            completedRuns.computeIfAbsent(payment.id(), id -> new AtomicInteger()).incrementAndGet();
            return new Receipt(payment.id(), payment.amount(), attempt);
        }

        void duplicateRefused(String id) {
            if (id.equals(slowId)) {
                slowDuplicateRefused.countDown();
            }
        }
    }
}
