package dev.idempotency.aop;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.autoconfigure.IdempotencyAopAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyTemplateAutoConfiguration;
import dev.idempotency.autoconfigure.IdempotencyAutoConfiguration;
import dev.idempotency.engine.IdempotencyKeyReusedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotentAspectTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyTemplateAutoConfiguration.class, IdempotencyAopAutoConfiguration.class,
                    AopAutoConfiguration.class, JacksonAutoConfiguration.class))
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
    void aBeanWhoseAnnotatedMethodsNameNoKeyIsNotProxied() {
        runner.withBean(HeaderKeyedController.class).run(context -> {
            assertThat(AopUtils.isAopProxy(context.getBean(HeaderKeyedController.class)))
                    .as("the web layer protects it; the aspect has nothing to do").isFalse();
            assertThat(AopUtils.isAopProxy(context.getBean(OrderService.class))).isTrue();
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

    record Item(String name, int quantity) {
    }

    /** Counts the calls that reached the target, outside the proxied bean whose fields the proxy does not share. */
    static class Calls {

        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        private volatile RuntimeException nextFailure;

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

    /** Like a controller method: its key comes from the HTTP header. */
    static class HeaderKeyedController {

        @Idempotent
        public String create(String body) {
            return body;
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

        @Idempotent(key = "#orderId")
        public String notify(String orderId) {
            return "notified " + orderId;
        }

        @Idempotent(key = "#orderId")
        public String notify(String orderId, int times) {
            return "notified " + orderId + " x" + times;
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
        EmailNotifier emailNotifier() {
            return new EmailNotifier();
        }

        @Bean
        SmsNotifier smsNotifier() {
            return new SmsNotifier();
        }
    }
}
