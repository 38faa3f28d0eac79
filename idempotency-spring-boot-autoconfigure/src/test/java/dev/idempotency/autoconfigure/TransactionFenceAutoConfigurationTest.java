package dev.idempotency.autoconfigure;

import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
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
 * {@code idempotency.transaction-fence}, on a JDBC storage always.
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
    static class OwnTransactionManager {

        @Bean
        DataSourceTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }
}
