package dev.idempotency.autoconfigure;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code @Idempotent} method the starter cannot protect fails start-up, with one message
 * naming each such method and why; a protected method never does.
 */
class IdempotentMethodSetupCheckTest {

    private static final AutoConfigurations BEAN_METHODS = AutoConfigurations.of(IdempotencyAutoConfiguration.class,
            IdempotencyTemplateAutoConfiguration.class, IdempotencyAopAutoConfiguration.class,
            AopAutoConfiguration.class, JacksonAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(BEAN_METHODS);

    private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
            .withConfiguration(BEAN_METHODS)
            .withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class));

    @Test
    void aPrivateMethodFailsStartUp() {
        runner.withBean(PrivateMethod.class).run(failsNaming("PrivateMethod#pay(String)", "is private"));
    }

    @Test
    void aFinalMethodFailsStartUp() {
        runner.withBean(FinalMethod.class).run(failsNaming("FinalMethod#pay(String)", "is final"));
    }

    @Test
    void aStaticMethodFailsStartUp() {
        runner.withBean(StaticMethod.class).run(failsNaming("StaticMethod#pay(String)", "is static"));
    }

    @Test
    void aFinalMethodOfALazyBeanFailsStartUpThoughTheBeanIsNotCreated() {
        runner.withUserConfiguration(LazyFinalMethodConfiguration.class)
                .run(failsNaming("FinalMethod#pay(String)", "is final"));
    }

    @Test
    void aMethodWithoutAKeyOnABeanThatIsNotAControllerFailsStartUp() {
        runner.withBean(KeylessService.class).run(failsNaming("KeylessService#pay(String)", "names no key"));
    }

    @Test
    void aControllerMethodWithoutTheIdempotencyWebLayerFailsStartUp() {
        webRunner.withBean(OrderController.class).run(failsNaming("OrderController#create(String)", "names no key"));
    }

    @Test
    void aControllerMethodTheWebLayerProtectsStartsAndItsControllerIsNotProxied() {
        webRunner.withConfiguration(AutoConfigurations.of(IdempotencyWebAutoConfiguration.class))
                .withBean(OrderController.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(AopUtils.isAopProxy(context.getBean(OrderController.class)))
                            .as("the web layer protects it; the advisor has nothing to do").isFalse();
                });
    }

    @Test
    void aKeyExpressionThatDoesNotParseFailsStartUp() {
        runner.withBean(UnparsableKey.class).run(failsNaming("UnparsableKey#pay(String)", "'#orderId +' does not parse"));
    }

    @Test
    void aKeyExpressionThatReadsAVariableThatIsNotAParameterFailsStartUpNamingTheParameters() {
        runner.withBean(MisspelledKey.class).run(failsNaming("MisspelledKey#pay(String, int)",
                "'#ordrId' reads #ordrId, which is not a parameter (parameters: #orderId, #amount, or #p0 to #p1)"));
    }

    @Test
    void aKeyExpressionThatReadsAnArgumentPastTheLastFailsStartUp() {
        runner.withBean(IndexPastTheLast.class).run(failsNaming("IndexPastTheLast#pay(String)", "reads #a1"));
    }

    @Test
    void aReturnTypeJacksonCannotReadBackFailsStartUpNamingIt() {
        runner.withBean(UnreadableResults.class).run(context -> {
            assertFailedNaming(context, "UnreadableResults#receipt(String)", "never read back",
                    Receipt.class.getName());
            assertFailedNaming(context, "UnreadableResults#noCreator(String)", "never read back",
                    NoCreator.class.getName());
            assertFailedNaming(context, "UnreadableResults#later(String)", Receipt.class.getName());
        });
    }

    @Test
    void anAsynchronousReturnTypeOtherThanCompletableFutureFailsStartUp() {
        runner.withBean(UnsupportedAsync.class).run(context -> {
            assertFailedNaming(context, "UnsupportedAsync#future(String)", "java.util.concurrent.Future",
                    "return CompletableFuture or CompletionStage");
            assertFailedNaming(context, "UnsupportedAsync#mono(String)", "reactor.core.publisher.Mono");
        });
    }

    @Test
    void aBeanNoProxyCreatorAdvisesFailsStartUp() {
        runner.withPropertyValues("spring.aop.auto=false").withBean(Payments.class)
                .run(failsNaming("Payments#pay(String)", "not proxied by the @Idempotent advisor"));
    }

    @Test
    void aMethodAnInterfaceBasedProxyCannotReachFailsStartUp() {
        runner.withPropertyValues("spring.aop.proxy-target-class=false").withBean(InterfacePayments.class)
                .run(failsNaming("InterfacePayments#refund(String)", "interface-based (JDK) proxy"));
    }

    @Test
    void anInterfaceBasedProxyProtectsAMethodItsInterfaceDeclares() {
        runner.withPropertyValues("spring.aop.proxy-target-class=false").withBean(InterfaceOnlyPayments.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void withoutJacksonABeanMethodWithAKeyFailsStartUp() {
        runner.withClassLoader(new FilteredClassLoader("tools.jackson")).withBean(Payments.class)
                .run(failsNaming("Payments#pay(String)", "Jackson"));
    }

    @Test
    void oneMessageListsEveryMethodThatCannotBeProtectedAndTheAnalysisSaysWhatToDo() {
        runner.withBean(PrivateMethod.class).withBean(KeylessService.class).withBean(MisspelledKey.class)
                .run(context -> {
                    assertThat(context).hasFailed();
                    UnprotectedIdempotentMethodsException failure = (UnprotectedIdempotentMethodsException) context
                            .getStartupFailure();
                    assertThat(failure.getProblems()).hasSize(3);
                    FailureAnalysis analysis = new UnprotectedIdempotentMethodsFailureAnalyzer().analyze(failure);
                    assertThat(analysis.getDescription()).contains("PrivateMethod#pay(String)",
                            "KeylessService#pay(String)", "MisspelledKey#pay(String, int)");
                    assertThat(analysis.getAction()).contains("@Idempotent(key = ");
                });
    }

    private static <C extends ApplicationContextAssertProvider<?>> ContextConsumer<C> failsNaming(String method,
            String... reasons) {
        return context -> assertFailedNaming(context, method, reasons);
    }

    /** Start-up failed, and the problem listed for {@code method} says every one of {@code reasons}. */
    private static void assertFailedNaming(ApplicationContextAssertProvider<?> context, String method,
            String... reasons) {
        assertThat(context.getStartupFailure()).as("start-up failure")
                .isInstanceOf(UnprotectedIdempotentMethodsException.class).hasMessageContaining(method);
        List<String> problems = ((UnprotectedIdempotentMethodsException) context.getStartupFailure()).getProblems();
        assertThat(problems).anySatisfy(problem -> assertThat(problem).contains(method).contains(reasons));
    }

    interface Receipt {
        String id();
    }

    /** Jackson writes its getter, but has no constructor or factory to read it back with. */
    static final class NoCreator {

        private final String id;

        NoCreator(String id, int version) {
            this.id = id + version;
        }

        public String getId() {
            return id;
        }
    }

    static class PrivateMethod {

        @Idempotent(key = "#orderId")
        private String pay(String orderId) {
            return orderId;
        }
    }

    static class FinalMethod {

        @Idempotent(key = "#orderId")
        public final String pay(String orderId) {
            return orderId;
        }
    }

    static class StaticMethod {

        @Idempotent(key = "#orderId")
        public static String pay(String orderId) {
            return orderId;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LazyFinalMethodConfiguration {

        @Bean
        @Lazy
        FinalMethod finalMethod() {
            return new FinalMethod();
        }
    }

    static class KeylessService {

        @Idempotent
        public String pay(String orderId) {
            return orderId;
        }
    }

    @RestController
    static class OrderController {

        @Idempotent
        @PostMapping("/orders")
        public String create(String body) {
            return body;
        }
    }

    static class UnparsableKey {

        @Idempotent(key = "#orderId +")
        public String pay(String orderId) {
            return orderId;
        }
    }

    static class MisspelledKey {

        @Idempotent(key = "#ordrId")
        public String pay(String orderId, int amount) {
            return orderId;
        }
    }

    static class IndexPastTheLast {

        @Idempotent(key = "#a1")
        public String pay(String orderId) {
            return orderId;
        }
    }

    static class UnreadableResults {

        @Idempotent(key = "#orderId")
        public Receipt receipt(String orderId) {
            return () -> orderId;
        }

        @Idempotent(key = "#orderId")
        public NoCreator noCreator(String orderId) {
            return new NoCreator(orderId, 1);
        }

        @Idempotent(key = "#orderId")
        public CompletableFuture<Receipt> later(String orderId) {
            return CompletableFuture.completedFuture(() -> orderId);
        }
    }

    static class UnsupportedAsync {

        @Idempotent(key = "#orderId")
        public Future<String> future(String orderId) {
            return CompletableFuture.completedFuture(orderId);
        }

        @Idempotent(key = "#orderId")
        public Mono<String> mono(String orderId) {
            return Mono.just(orderId);
        }
    }

    static class Payments {

        @Idempotent(key = "#orderId")
        public String pay(String orderId) {
            return orderId;
        }
    }

    interface Refunds {

        String refundAll(String orderId);
    }

    /** Its protected method is not on the interface, so a JDK proxy offers no way to call it. */
    static class InterfacePayments implements Refunds {

        @Override
        public String refundAll(String orderId) {
            return orderId;
        }

        @Idempotent(key = "#orderId")
        public String refund(String orderId) {
            return orderId;
        }
    }

    interface AnnotatedRefunds {

        @Idempotent(key = "#orderId")
        String refundAll(String orderId);
    }

    static class InterfaceOnlyPayments implements AnnotatedRefunds {

        @Override
        public String refundAll(String orderId) {
            return orderId;
        }
    }
}
