package dev.idempotency.aop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.autoconfigure.IdempotencyAopAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyTemplateAutoConfiguration;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotentOutcomeUnknownException;
import dev.idempotency.engine.Takeover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code @Idempotent(takeover = ...)} on a bean method overrides {@code idempotency.takeover}:
 * when the first call's instance stops renewing its lease (here the keeper is closed, as in a
 * process that died), a retry of a method marked {@link Takeover#NEVER} is refused, while one of
 * a method that keeps the default runs again.
 */
class IdempotentMethodTakeoverTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyTemplateAutoConfiguration.class, IdempotencyAopAutoConfiguration.class,
                    AopAutoConfiguration.class, JacksonAutoConfiguration.class))
            .withBean(Bank.class)
            .withPropertyValues("idempotency.lease=300ms");

    @Test
    void aRetryAfterTheHolderStoppedIsRefusedForNeverAndRunsAgainForTheDefault() {
        runner.run(context -> {
            Bank bank = context.getBean(Bank.class);
            CompletableFuture<String> withdrawal = CompletableFuture.supplyAsync(() -> bank.withdraw("w-1"));
            CompletableFuture<String> refund = CompletableFuture.supplyAsync(() -> bank.refund("r-1"));
            awaitRuns(bank::withdrawals);
            awaitRuns(bank::refunds);

            context.getBean(IdempotencyKeeper.class).close();
            Thread.sleep(700);
            bank.finish();

            assertThatThrownBy(() -> bank.withdraw("w-1")).isInstanceOf(IdempotentOutcomeUnknownException.class);
            assertThat(bank.refund("r-1")).isEqualTo("refunded r-1");
            assertThat(bank.withdrawals()).as("withdrawals run").isEqualTo(1);
            assertThat(bank.refunds()).as("refunds run").isEqualTo(2);
            withdrawal.get(5, TimeUnit.SECONDS);
            refund.get(5, TimeUnit.SECONDS);
        });
    }

    private static void awaitRuns(IntSupplier runs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (runs.getAsInt() < 1) {
            assertThat(System.nanoTime()).as("the first call started").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Read through the proxy's methods: a class-based proxy's own fields are empty. */
    static class Bank {

        private final AtomicInteger withdrawals = new AtomicInteger();
        private final AtomicInteger refunds = new AtomicInteger();
        private final CountDownLatch finish = new CountDownLatch(1);

        public int withdrawals() {
            return withdrawals.get();
        }

        public int refunds() {
            return refunds.get();
        }

        public void finish() {
            finish.countDown();
        }

        @Idempotent(key = "#id", takeover = Takeover.NEVER)
        public String withdraw(String id) {
            withdrawals.incrementAndGet();
            awaitFinish();
            return "withdrew " + id;
        }

        @Idempotent(key = "#id")
        public String refund(String id) {
            refunds.incrementAndGet();
            awaitFinish();
            return "refunded " + id;
        }

        private void awaitFinish() {
            try {
                finish.await(5, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
