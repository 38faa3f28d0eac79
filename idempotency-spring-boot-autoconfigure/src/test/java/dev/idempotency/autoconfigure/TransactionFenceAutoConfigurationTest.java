package dev.idempotency.autoconfigure;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.ConfigurableTransactionManager;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.engine.IdempotentWork;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.testsupport.Utf8Codec;
import dev.idempotency.transaction.ClaimFencingTransactionListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fence wired into the application's transaction managers: Boot's own, through its
 * customizers, and one the application defines; on every storage with
 * {@code idempotency.transaction-fence}, on a JDBC storage always; and an {@code @Idempotent} bean
 * method called inside a transaction on the JDBC storage's database, whose result commits or rolls
 * back with it.
 */
class TransactionFenceAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, TransactionManagerCustomizationAutoConfiguration.class,
                    TransactionAutoConfiguration.class, IdempotencyAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order").build();

    @Test
    void bootsTransactionManagerTellsTheKeeperOfItsTransactionsOnce() {
        runner.withPropertyValues("idempotency.storage.type=jdbc").run(this::assertFencedOnce);
    }

    @Test
    void aTransactionManagerOfTheApplicationsOwnIsFencedToo() {
        runner.withPropertyValues("idempotency.storage.type=jdbc").withUserConfiguration(OwnTransactionManager.class)
                .run(this::assertFencedOnce);
    }

    /** The context's one transaction manager has the fence's listener once, and fences a work's commit. */
    private void assertFencedOnce(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        assertThat(context.getBean(ConfigurableTransactionManager.class).getTransactionExecutionListeners())
                .filteredOn(ClaimFencingTransactionListener.class::isInstance).hasSize(1);
        assertAWorkThatCommittedIsNeverRunAgain(context);
    }

    @Test
    void withTheFencePropertyATransactionTheStorageDoesNotJoinIsFenced() {
        runner.withPropertyValues("idempotency.transaction-fence=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertAWorkThatCommittedIsNeverRunAgain(context);
        });
    }

    @Test
    void withoutTheFencePropertyATransactionTheStorageDoesNotJoinIsNotFenced() {
        runner.run(context -> {
            IdempotencyKey key = new IdempotencyKey("orders", "unfenced");
            failAfterCommitting(context, key);

            assertThat(execute(context, key, () -> "second run")).as("released, so it ran again").isEqualTo("second run");
        });
    }

    /**
     * The result of a bean method that returns inside the caller's transaction is written in that
     * transaction: rolled back with the order, it is gone too, so the retry runs the method again
     * (a result stored outside the transaction would replay an order that was never committed).
     */
    @Test
    void aBeanMethodCalledInATransactionOnTheStoragesDatabaseStoresItsResultWithTheCommitOrNotAtAll() {
        runner.withConfiguration(AutoConfigurations.of(IdempotencyTemplateAutoConfiguration.class,
                IdempotencyAopAutoConfiguration.class, AopAutoConfiguration.class, JacksonAutoConfiguration.class))
                .withPropertyValues("idempotency.storage.type=jdbc").withUserConfiguration(OrderDesk.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    OrderDesk.Orders orders = context.getBean(OrderDesk.Orders.class);
                    TransactionTemplate transactions = context.getBean(TransactionTemplate.class);

                    transactions.executeWithoutResult(status -> {
                        orders.place("o-1");
                        status.setRollbackOnly();
                    });
                    assertThat(orders.place("o-1")).isEqualTo("o-1 #2");
                    assertThat(orders.rows("o-1")).isOne();

                    String placed = transactions.execute(status -> orders.place("o-2"));
                    assertThat(orders.place("o-2")).as("replayed").isEqualTo(placed).isEqualTo("o-2 #3");
                    assertThat(orders.rows("o-2")).isOne();
                });
    }

    @Test
    void withoutSpringTransactionsTheKeeperStarts() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(TransactionExecutionListener.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(IdempotencyKeeper.class)
                        .doesNotHaveBean(ClaimFencingTransactionListener.class));
    }

    private void assertAWorkThatCommittedIsNeverRunAgain(AssertableApplicationContext context) {
        IdempotencyKey key = new IdempotencyKey("orders", UUID.randomUUID().toString());
        failAfterCommitting(context, key);

        assertThatThrownBy(() -> execute(context, key, () -> "second run"))
                .isInstanceOf(IdempotentResultNotReplayableException.class);
    }

    /** Runs a work under {@code key} that commits a transaction and then fails. */
    private void failAfterCommitting(AssertableApplicationContext context, IdempotencyKey key) {
        JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
        jdbc.execute("CREATE TABLE IF NOT EXISTS orders (item VARCHAR(64))");
        TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
        assertThatThrownBy(() -> execute(context, key, () -> {
            transactions.executeWithoutResult(status -> jdbc.update("INSERT INTO orders (item) VALUES ('book')"));
            throw new IllegalStateException("failed after the commit");
        })).hasMessage("failed after the commit");
    }

    private String execute(AssertableApplicationContext context, IdempotencyKey key,
            IdempotentWork<String, RuntimeException> work) {
        return context.getBean(IdempotencyKeeper.class).execute(key, fingerprint, Utf8Codec.PLAIN, work);
    }

    @Configuration(proxyBeanMethods = false)
    static class OrderDesk {

        @Bean
        Orders orders(DataSource dataSource) {
            return new Orders(new JdbcTemplate(dataSource));
        }

        /** Places an order row per call and answers which call placed it. */
        static class Orders {

            private final JdbcTemplate jdbc;
            private final AtomicInteger calls = new AtomicInteger();

            Orders(JdbcTemplate jdbc) {
                this.jdbc = jdbc;
                jdbc.execute("CREATE TABLE IF NOT EXISTS placed_orders (order_id VARCHAR(64))");
            }

            @Idempotent(key = "#orderId")
            public String place(String orderId) {
                jdbc.update("INSERT INTO placed_orders (order_id) VALUES (?)", orderId);
                return orderId + " #" + calls.incrementAndGet();
            }

            int rows(String orderId) {
                return jdbc.queryForObject("SELECT COUNT(*) FROM placed_orders WHERE order_id = ?", Integer.class, orderId);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTransactionManager {

        @Bean
        DataSourceTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }
}
