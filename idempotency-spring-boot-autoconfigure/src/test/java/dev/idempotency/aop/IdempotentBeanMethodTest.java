package dev.idempotency.aop;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.exc.InvalidDefinitionException;

import org.springframework.aop.framework.autoproxy.InfrastructureAdvisorAutoProxyCreator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.autoconfigure.IdempotencyAopAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyTemplateAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyAutoConfiguration;
import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.IdempotentResultNotReplayableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code @Idempotent(key = ...)} on bean methods, as an application calls them through their
 * proxies: once per key, the declared type replayed, interface annotations, futures and
 * {@code @Async}, results that cannot be stored, key expressions that fail, and the order around
 * {@code @Transactional}.
 */
class IdempotentBeanMethodTest {

    private static final AutoConfigurations AUTO_CONFIGURATIONS = AutoConfigurations.of(
            IdempotencyAutoConfiguration.class, IdempotencyTemplateAutoConfiguration.class,
            IdempotencyAopAutoConfiguration.class, AopAutoConfiguration.class, JacksonAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AUTO_CONFIGURATIONS)
            .withUserConfiguration(OrderServiceConfiguration.class);

    @Test
    void theMethodRunsOncePerKeyAndTheReplayIsTheDeclaredGenericType() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);
            Calls calls = context.getBean(Calls.class);

            List<Item> first = service.items("o-1");
            List<Item> replayed = service.items("o-1");
            service.items("o-2");

            assertThat(calls.count("items")).isEqualTo(2);
            assertThat(replayed).isEqualTo(first).isNotSameAs(first);
            assertThat(replayed).hasOnlyElementsOfType(Item.class)
                    .containsExactly(new Item("o-1-apple", 2), new Item("pear", 1));
        });
    }

    @Test
    void aVoidMethodRunsOnce() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            service.ship("o-1");
            service.ship("o-1");

            assertThat(context.getBean(Calls.class).count("ship")).isEqualTo(1);
        });
    }

    @Test
    void aMethodThatReturnedNullReplaysNull() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            Item first = service.lookup("o-1");
            Item replayed = service.lookup("o-1");

            assertThat(first).isNull();
            assertThat(replayed).isNull();
            assertThat(context.getBean(Calls.class).count("lookup")).isEqualTo(1);
        });
    }

    @Test
    void aThrownExceptionIsRethrownUnchangedAndReleasesTheKey() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);
            Calls calls = context.getBean(Calls.class);
            IllegalStateException declined = new IllegalStateException("card declined");
            calls.failNextWith(declined);

            assertThatThrownBy(() -> service.pay("o-1")).isSameAs(declined);
            String retried = service.pay("o-1");

            assertThat(retried).isEqualTo("paid o-1");
            assertThat(calls.count("pay")).isEqualTo(2);
        });
    }

    @Test
    void theSameKeyWithOtherArgumentsIsAReusedKey() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);
            service.charge("o-1", 10);

            assertThatThrownBy(() -> service.charge("o-1", 20)).isInstanceOf(IdempotencyKeyReusedException.class);
            assertThat(context.getBean(Calls.class).count("charge")).isEqualTo(1);
        });
    }

    @Test
    void aKeyExpressionThatEvaluatesToNullIsRefusedWithTheExpressionInTheMessage() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            assertThatIllegalArgumentException().isThrownBy(() -> service.charge(null, 10))
                    .withMessageContaining("'#orderId'")
                    .withMessageContaining("OrderService#charge")
                    .withMessageContaining("empty key");
            assertThat(context.getBean(Calls.class).count("charge")).isZero();
        });
    }

    @Test
    void aKeyExpressionThatEvaluatesToAnEmptyStringIsRefused() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            assertThatIllegalArgumentException().isThrownBy(() -> service.charge("", 10))
                    .withMessageContaining("empty key");
            assertThat(context.getBean(Calls.class).count("charge")).isZero();
        });
    }

    @Test
    void twoMethodsWithTheSameKeyValueDoNotShareResults() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            String reserved = service.reserve("o-1");
            String cancelled = service.cancel("o-1");

            assertThat(reserved).isEqualTo("reserved o-1");
            assertThat(cancelled).isEqualTo("cancelled o-1");
            assertThat(context.getBean(Calls.class).count("reserve")).isEqualTo(1);
            assertThat(context.getBean(Calls.class).count("cancel")).isEqualTo(1);
        });
    }

    @Test
    void overloadsWithTheSameKeyValueDoNotShareResults() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            String single = service.notify("o-1");
            String repeated = service.notify("o-1", 3);

            assertThat(single).isEqualTo("notified o-1");
            assertThat(repeated).isEqualTo("notified o-1 x3");
        });
    }

    @Test
    void twoBeansInheritingOneMethodDoNotShareResults() {
        runner.run(context -> {
            String email = context.getBean(EmailNotifier.class).send("o-1");
            String sms = context.getBean(SmsNotifier.class).send("o-1");

            assertThat(email).isEqualTo("email o-1");
            assertThat(sms).isEqualTo("sms o-1");
        });
    }

    @Test
    void anAnnotationOnAnInterfaceMethodProtectsTheImplementation() {
        runner.run(context -> {
            Refunds refunds = context.getBean(Refunds.class);

            String first = refunds.refund("o-1");
            String replayed = refunds.refund("o-1");

            assertThat(replayed).isEqualTo(first).isEqualTo("refunded o-1");
            assertThat(context.getBean(Calls.class).count("refund")).isEqualTo(1);
        });
    }

    @Test
    void withoutAspectJOnTheClasspathTheMethodIsStillProtected() {
        new ApplicationContextRunner().withConfiguration(AUTO_CONFIGURATIONS)
                .withClassLoader(new FilteredClassLoader("org.aspectj"))
                .withBean(Calls.class)
                .withBean(Greeter.class)
                .run(context -> {
                    assertThat(context).hasNotFailed()
                            .as("Spring Boot's proxy creator without AspectJ")
                            .hasSingleBean(InfrastructureAdvisorAutoProxyCreator.class);
                    Greeter greeter = context.getBean(Greeter.class);

                    greeter.greet("o-1");
                    greeter.greet("o-1");

                    assertThat(context.getBean(Calls.class).count("greet")).isEqualTo(1);
                });
    }

    @Test
    void aKeyExpressionThatCannotBeEvaluatedNamesTheMethodAndTheExpression() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            assertThatThrownBy(() -> service.place(null)).isInstanceOf(IdempotentKeyExpressionException.class)
                    .hasMessageContaining("'#order.id'")
                    .hasMessageContaining("OrderService#place(Order)")
                    .hasCauseInstanceOf(SpelEvaluationException.class);
            assertThat(context.getBean(Calls.class).count("place")).isZero();
        });
    }

    @Test
    void aResultThatCannotBeWrittenFailsTheFirstCallNamingTheMethodAndNoRetryRunsItAgain() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            assertThatThrownBy(() -> service.invoice("o-1")).isInstanceOf(IdempotentResultNotReplayableException.class)
                    .hasMessageContaining("OrderService#invoice(String)")
                    .hasMessageContaining(Invoice.class.getName())
                    .hasMessageContaining("no Session")
                    .hasRootCauseInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> service.invoice("o-1")).isInstanceOf(IdempotentResultNotReplayableException.class)
                    .hasMessageContaining("OrderService#invoice(String)")
                    .hasMessageContaining("will not run again");

            assertThat(context.getBean(Calls.class).count("invoice")).isEqualTo(1);
        });
    }

    @Test
    void aResultThatDoesNotReadBackFailsTheFirstCallNamingTheMethodAndEveryRetryIsToldItRan() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);

            assertThatThrownBy(() -> service.dispatch("o-1")).isInstanceOf(IdempotentResultNotReplayableException.class)
                    .hasMessageContaining("OrderService#dispatch(String)")
                    .hasRootCauseInstanceOf(InvalidDefinitionException.class);
            for (int retry = 0; retry < 3; retry++) {
                assertThatThrownBy(() -> service.dispatch("o-1"))
                        .isInstanceOf(IdempotentResultNotReplayableException.class);
            }

            assertThat(context.getBean(Calls.class).count("dispatch")).isEqualTo(1);
        });
    }

    @Test
    void aFuturesValueIsStoredWhenItCompletesAndReplayedAsACompletedFuture() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);
            Calls calls = context.getBean(Calls.class);
            CompletableFuture<Item> quoted = new CompletableFuture<>();
            calls.nextQuote = quoted;

            CompletableFuture<Item> first = service.quote("o-1");
            assertThatThrownBy(() -> service.quote("o-1"))
                    .as("claimed at the call, held while the future runs")
                    .isInstanceOf(IdempotentRequestInProgressException.class);
            quoted.complete(new Item("o-1-quote", 3));
            CompletableFuture<Item> replayed = service.quote("o-1");

            assertThat(first).isCompletedWithValue(new Item("o-1-quote", 3));
            assertThat(replayed).isCompletedWithValue(new Item("o-1-quote", 3));
            assertThat(calls.count("quote")).isEqualTo(1);
        });
    }

    @Test
    void aFailedFutureReleasesTheKeySoARetryRunsAgain() {
        runner.run(context -> {
            OrderService service = context.getBean(OrderService.class);
            Calls calls = context.getBean(Calls.class);
            IllegalStateException unavailable = new IllegalStateException("pricing unavailable");
            calls.nextQuote = CompletableFuture.failedFuture(unavailable);

            assertThat(service.quote("o-1")).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                    .havingCause().isSameAs(unavailable);
            calls.nextQuote = CompletableFuture.completedFuture(new Item("o-1-quote", 1));

            assertThat(service.quote("o-1")).isCompletedWithValue(new Item("o-1-quote", 1));
            assertThat(calls.count("quote")).isEqualTo(2);
        });
    }

    @Test
    void anAsyncMethodRunsOncePerKeyAndItsReplayIsTheStoredValue() {
        runner.withUserConfiguration(AsyncConfiguration.class).run(context -> {
            Mailer mailer = context.getBean(Mailer.class);

            Item first = mailer.send("o-1").get(10, TimeUnit.SECONDS);
            Item replayed = mailer.send("o-1").get(10, TimeUnit.SECONDS);

            assertThat(first.name()).startsWith("sent o-1 on ").doesNotEndWith(Thread.currentThread().getName());
            assertThat(replayed).isEqualTo(first);
            assertThat(context.getBean(Calls.class).count("send")).isEqualTo(1);
        });
    }

    @Test
    void theKeyIsHeldAroundTheTransactionAndItsResultWrittenAfterTheCommit() {
        runner.withUserConfiguration(TransactionConfiguration.class).run(context -> {
            LedgerService ledger = context.getBean(LedgerService.class);
            RecordingTransactionManager transactions = context.getBean(RecordingTransactionManager.class);

            Entry first = ledger.post("o-1");
            Entry replayed = ledger.post("o-1");

            assertThat(first.getRanInTransaction()).isTrue();
            assertThat(transactions.commits).hasValue(1);
            assertThat(replayed.getRanInTransaction()).isTrue();
            assertThat(replayed.getWrittenInTransaction()).as("stored after the commit").isFalse();
            assertThat(context.getBean(Calls.class).count("post")).isEqualTo(1);
        });
    }

    @Test
    void aResultThatCannotBeStoredDoesNotRollBackTheTransactionTheWorkCommitted() {
        runner.withUserConfiguration(TransactionConfiguration.class).run(context -> {
            LedgerService ledger = context.getBean(LedgerService.class);
            RecordingTransactionManager transactions = context.getBean(RecordingTransactionManager.class);

            assertThatThrownBy(() -> ledger.postWithLines("o-1"))
                    .isInstanceOf(IdempotentResultNotReplayableException.class);
            assertThatThrownBy(() -> ledger.postWithLines("o-1"))
                    .isInstanceOf(IdempotentResultNotReplayableException.class);

            assertThat(transactions.commits).as("the work's transaction committed once").hasValue(1);
            assertThat(transactions.rollbacks).hasValue(0);
            assertThat(context.getBean(Calls.class).count("postWithLines")).isEqualTo(1);
        });
    }

    record Item(String name, int quantity) {
    }

    /** Counts the calls that reached the target, outside the proxied bean whose fields the proxy does not share. */
    static class Calls {

        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        private volatile RuntimeException nextFailure;
        volatile CompletableFuture<Item> nextQuote;

        void record(String method) {
            counts.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
        }

        int count(String method) {
            AtomicInteger count = counts.get(method);
            return count == null ? 0 : count.get();
        }

        void failNextWith(RuntimeException failure) {
            nextFailure = failure;
        }

        void throwIfFailing() {
            RuntimeException failure = nextFailure;
            nextFailure = null;
            if (failure != null) {
                throw failure;
            }
        }
    }

    static class OrderService {

        private final Calls calls;

        OrderService(Calls calls) {
            this.calls = calls;
        }

        @Idempotent(key = "#orderId")
        public List<Item> items(String orderId) {
            calls.record("items");
            return List.of(new Item(orderId + "-apple", 2), new Item("pear", 1));
        }

        @Idempotent(key = "#orderId")
        public void ship(String orderId) {
            calls.record("ship");
        }

        @Idempotent(key = "#orderId")
        public Item lookup(String orderId) {
            calls.record("lookup");
            return null;
        }

        @Idempotent(key = "#orderId")
        public String pay(String orderId) {
            calls.record("pay");
            calls.throwIfFailing();
            return "paid " + orderId;
        }

        @Idempotent(key = "#orderId")
        public String charge(String orderId, int amount) {
            calls.record("charge");
            return "charged " + amount;
        }

        @Idempotent(key = "#orderId")
        public String reserve(String orderId) {
            calls.record("reserve");
            return "reserved " + orderId;
        }

        @Idempotent(key = "#orderId")
        public String cancel(String orderId) {
            calls.record("cancel");
            return "cancelled " + orderId;
        }

        @Idempotent(key = "#order.id")
        public String place(Order order) {
            calls.record("place");
            return "placed";
        }

        @Idempotent(key = "#orderId")
        public Invoice invoice(String orderId) {
            calls.record("invoice");
            return new Invoice(orderId);
        }

        @Idempotent(key = "#orderId")
        public Shipment dispatch(String orderId) {
            calls.record("dispatch");
            return new Shipment(orderId, new Courier("parcel post"));
        }

        @Idempotent(key = "#orderId")
        public CompletableFuture<Item> quote(String orderId) {
            calls.record("quote");
            return calls.nextQuote;
        }

        @Idempotent(key = "#orderId")
        public String notify(String orderId) {
            return "notified " + orderId;
        }

        @Idempotent(key = "#orderId")
        public String notify(String orderId, int times) {
            return "notified " + orderId + " x" + times;
        }
    }

    record Order(String id) {
    }

    /** Like a JPA entity whose lazy association is read after its session closed. */
    public static class Invoice {

        private String orderId;

        public Invoice() {
        }

        Invoice(String orderId) {
            this.orderId = orderId;
        }

        public String getOrderId() {
            return orderId;
        }

        public List<String> getLines() {
            throw new IllegalStateException("failed to lazily initialize a collection: could not initialize proxy - no Session");
        }
    }

    /** Jackson can write a carrier, but not read one back: {@link Carrier} is an interface. */
    record Shipment(String orderId, Carrier carrier) {
    }

    interface Carrier {
        String name();
    }

    record Courier(String name) implements Carrier {
    }

    /** Public, as a class proxied from another class loader (a filtered one here) must be. */
    public static class Greeter {

        private final Calls calls;

        public Greeter(Calls calls) {
            this.calls = calls;
        }

        @Idempotent(key = "#name")
        public String greet(String name) {
            calls.record("greet");
            return "hello " + name;
        }
    }

    interface Refunds {

        @Idempotent(key = "#orderId")
        String refund(String orderId);
    }

    static class CardRefunds implements Refunds {

        private final Calls calls;

        CardRefunds(Calls calls) {
            this.calls = calls;
        }

        @Override
        public String refund(String orderId) {
            calls.record("refund");
            return "refunded " + orderId;
        }
    }

    static class Mailer {

        private final Calls calls;

        Mailer(Calls calls) {
            this.calls = calls;
        }

        @Async
        @Idempotent(key = "#orderId")
        public CompletableFuture<Item> send(String orderId) {
            calls.record("send");
            return CompletableFuture.completedFuture(new Item("sent " + orderId + " on " + Thread.currentThread().getName(), 1));
        }
    }

    /**
     * A ledger entry. {@code lines} reads like a lazy association, only inside a transaction;
     * {@code writtenInTransaction} tells, once read back, whether Jackson wrote it inside one.
     */
    public static class Entry {

        private boolean ranInTransaction;
        private boolean withLines;
        private Boolean writtenInTransaction;

        public Entry() {
        }

        Entry(boolean ranInTransaction, boolean withLines) {
            this.ranInTransaction = ranInTransaction;
            this.withLines = withLines;
        }

        public boolean getRanInTransaction() {
            return ranInTransaction;
        }

        public void setRanInTransaction(boolean ranInTransaction) {
            this.ranInTransaction = ranInTransaction;
        }

        public boolean getWrittenInTransaction() {
            return writtenInTransaction != null ? writtenInTransaction
                    : TransactionSynchronizationManager.isActualTransactionActive();
        }

        public void setWrittenInTransaction(boolean writtenInTransaction) {
            this.writtenInTransaction = writtenInTransaction;
        }

        public List<String> getLines() {
            if (withLines && !TransactionSynchronizationManager.isActualTransactionActive()) {
                throw new IllegalStateException("could not initialize proxy - no Session");
            }
            return List.of();
        }
    }

    static class LedgerService {

        private final Calls calls;

        LedgerService(Calls calls) {
            this.calls = calls;
        }

        @Transactional
        @Idempotent(key = "#orderId")
        public Entry post(String orderId) {
            calls.record("post");
            return new Entry(TransactionSynchronizationManager.isActualTransactionActive(), false);
        }

        @Transactional
        @Idempotent(key = "#orderId")
        public Entry postWithLines(String orderId) {
            calls.record("postWithLines");
            return new Entry(TransactionSynchronizationManager.isActualTransactionActive(), true);
        }
    }

    /** Counts commits and rollbacks of transactions that hold nothing. */
    static class RecordingTransactionManager extends AbstractPlatformTransactionManager {

        final AtomicInteger commits = new AtomicInteger();
        final AtomicInteger rollbacks = new AtomicInteger();

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            commits.incrementAndGet();
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
            rollbacks.incrementAndGet();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncConfiguration {

        @Bean
        Mailer mailer(Calls calls) {
            return new Mailer(calls);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class TransactionConfiguration {

        @Bean
        RecordingTransactionManager transactionManager() {
            return new RecordingTransactionManager();
        }

        @Bean
        LedgerService ledgerService(Calls calls) {
            return new LedgerService(calls);
        }
    }

    abstract static class Notifier {

        @Idempotent(key = "#orderId")
        public String send(String orderId) {
            return channel() + " " + orderId;
        }

        abstract String channel();
    }

    static class EmailNotifier extends Notifier {

        @Override
        String channel() {
            return "email";
        }
    }

    static class SmsNotifier extends Notifier {

        @Override
        String channel() {
            return "sms";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OrderServiceConfiguration {

        @Bean
        Calls calls() {
            return new Calls();
        }

        @Bean
        OrderService orderService(Calls calls) {
            return new OrderService(calls);
        }

        @Bean
        CardRefunds cardRefunds(Calls calls) {
            return new CardRefunds(calls);
        }

        @Bean
        EmailNotifier emailNotifier() {
            return new EmailNotifier();
        }

        @Bean
        SmsNotifier smsNotifier() {
            return new SmsNotifier();
        }
    }
}
