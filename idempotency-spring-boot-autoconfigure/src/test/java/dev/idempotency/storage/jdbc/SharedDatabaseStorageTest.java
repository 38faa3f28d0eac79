package dev.idempotency.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a database shared by many instances adds: cleaners on every instance at once, none waiting
 * for rows another cleaner or a claim holds.
 */
abstract class SharedDatabaseStorageTest extends JdbcIdempotencyStorageTest {

    @Test
    void twoCleanersAtOnceDeleteEveryExpiredRowExactlyOnce() throws Exception {
        TableName table = createTable();
        JdbcIdempotencyStorage first = new JdbcIdempotencyStorage(pool(), table, null);
        JdbcIdempotencyStorage second = new JdbcIdempotencyStorage(pool(), table, null);
        int expired = 600;
        for (int i = 0; i < expired; i++) {
            first.attemptLock(key("clean-" + i), bytes("v"), Duration.ofNanos(1));
        }
        CountDownLatch start = new CountDownLatch(1);

        CompletableFuture<Integer> byFirst = CompletableFuture.supplyAsync(() -> cleanAfter(start, first));
        CompletableFuture<Integer> bySecond = CompletableFuture.supplyAsync(() -> cleanAfter(start, second));
        start.countDown();

        assertThat(byFirst.get(60, TimeUnit.SECONDS) + bySecond.get(60, TimeUnit.SECONDS)).isEqualTo(expired);
        assertThat(rows(table)).isZero();
    }

    @Test
    void aCleanerSkipsAnExpiredRowThatAnotherTransactionHoldsInsteadOfWaiting() throws Exception {
        TableName table = createTable();
        JdbcIdempotencyStorage cleaned = new JdbcIdempotencyStorage(pool(), table, null);
        for (int i = 0; i < 30; i++) {
            cleaned.attemptLock(key("held-" + i), bytes("v"), Duration.ofNanos(1));
        }
        try (Connection holder = transaction();
                PreparedStatement lock = holder.prepareStatement(
                        "SELECT storage_key FROM " + table + " WHERE storage_key = ? FOR UPDATE")) {
            lock.setString(1, key("held-7"));
            try (ResultSet locked = lock.executeQuery()) {
                assertThat(locked.next()).isTrue();
            }

            int deleted = CompletableFuture.supplyAsync(() -> cleaned.deleteExpired(10)).get(20, TimeUnit.SECONDS);

            assertThat(deleted).isEqualTo(29);
            holder.rollback();
        }
        assertThat(cleaned.deleteExpired(10)).as("the row, once no longer held").isEqualTo(1);
    }

    private static int cleanAfter(CountDownLatch start, JdbcIdempotencyStorage storage) {
        try {
            start.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        int total = 0;
        int deleted;
        // Small batches, so that the two cleaners' batches interleave.
        do {
            deleted = storage.deleteExpired(5);
            total += deleted;
        }
        while (deleted > 0);
        return total;
    }
}
