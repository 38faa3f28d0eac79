package dev.idempotency.storage.jdbc;

import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import dev.idempotency.testsupport.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
class ExpiredEntryCleanerTest {

    @Test
    void aFailedRunIsLoggedAndTheNextRunTriesAgain(CapturedOutput output) {
        HikariDataSource h2 = new TestDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa").pool(1);
        new ResourceDatabasePopulator(new ClassPathResource("dev/idempotency/storage/jdbc/schema-h2.sql")).execute(h2);
        JdbcIdempotencyStorage storage = new JdbcIdempotencyStorage(h2, TableName.DEFAULT, null);
        h2.close();

        try (ExpiredEntryCleaner cleaner = new ExpiredEntryCleaner(storage, Duration.ofMillis(20), 10)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> output.getOut().split("Could not delete expired", -1).length > 2);
        }
    }

    @Test
    void anIntervalOrBatchSizeThatCannotWorkIsRefused() {
        HikariDataSource h2 = new TestDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa").pool(1);
        try {
            new ResourceDatabasePopulator(new ClassPathResource("dev/idempotency/storage/jdbc/schema-h2.sql")).execute(h2);
            JdbcIdempotencyStorage storage = new JdbcIdempotencyStorage(h2, TableName.DEFAULT, null);

            assertThatThrownBy(() -> new ExpiredEntryCleaner(storage, Duration.ZERO, 10))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new ExpiredEntryCleaner(storage, Duration.ofMinutes(1), 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(storage.deleteExpired(1)).isZero();
        }
        finally {
            h2.close();
        }
    }
}
