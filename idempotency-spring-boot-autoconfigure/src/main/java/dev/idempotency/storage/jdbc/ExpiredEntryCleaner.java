package dev.idempotency.storage.jdbc;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a {@link JdbcIdempotencyStorage}'s expired rows every interval, on a daemon thread of its
 * own, in batches (see {@link JdbcIdempotencyStorage#deleteExpired}). Every instance of an
 * application runs one: cleaners skip each other's rows instead of waiting. A run that fails is
 * logged and the next one tries again; expired rows behave as absent meanwhile.
 */
public final class ExpiredEntryCleaner implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ExpiredEntryCleaner.class);

    private final JdbcIdempotencyStorage storage;
    private final int batchSize;
    private final ScheduledExecutorService scheduler;

    /**
     * Starts cleaning {@code storage} every {@code interval}, the first time one interval from now, until {@link #close()}.
     *
     * @param storage the storage whose expired rows are deleted
     * @param interval the delay between the end of one run and the start of the next; positive
     * @param batchSize the most rows one delete statement removes; at least 1
     * @throws IllegalArgumentException when {@code interval} is not positive or {@code batchSize} is below 1
     */
    public ExpiredEntryCleaner(JdbcIdempotencyStorage storage, Duration interval, int batchSize) {
        this.storage = Objects.requireNonNull(storage, "storage");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("The cleanup interval must be positive, was " + interval);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("The cleanup batch size must be at least 1, was " + batchSize);
        }
        this.batchSize = batchSize;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idempotency-jdbc-cleaner");
            thread.setDaemon(true);
            return thread;
        });
        long period = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::clean, period, period, TimeUnit.MILLISECONDS);
    }

    private void clean() {
        try {
            int deleted = storage.deleteExpired(batchSize);
            logger.debug("Deleted {} expired idempotency entries", deleted);
        }
        catch (RuntimeException ex) {
            // Caught whatever it is: an exception would end the schedule for good.
            logger.warn("Could not delete expired idempotency entries, will try again: {}", ex.getMessage());
        }
    }

    /** Stops the cleaning; a run in progress finishes its statement. */
    @Override
    public void close() {
        scheduler.shutdown();
    }
}
