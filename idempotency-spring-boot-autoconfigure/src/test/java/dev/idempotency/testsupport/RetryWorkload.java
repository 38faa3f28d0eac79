package dev.idempotency.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that retry each key until it succeeds, alternating between application instances, while
 * the test breaks the store underneath: the workload the distributed-deployment findings were
 * measured with. Each key's work counts its executions, so a key run twice shows as a double
 * execution, whatever each instance believed.
 *
 * <p>Start it, inject faults from the test's own thread, then {@link #finish} it for the report.
 */
public final class RetryWorkload {

    /** One application instance, as a client reaches it. */
    @FunctionalInterface
    public interface Instance {

        /**
         * Sends one attempt for {@code key}, whose work is {@code work} should it run.
         *
         * @return the status of the attempt: {@code ok} once the key succeeded (run or replayed);
         *     anything else makes the client retry
         */
        String attempt(String key, Runnable work);
    }

    private final List<Instance> instances;
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicLong lastFailureNanos = new AtomicLong();
    private final Duration workTime;
    private final Duration retryDelay;
    private final ExecutorService clients;
    private final List<Future<?>> running = new ArrayList<>();
    private final int keys;
    private volatile long deadlineNanos = Long.MAX_VALUE;

    /**
     * @param keys how many keys, named {@code prefix-0}, {@code prefix-1} and so on
     * @param clients how many clients send at once
     * @param workTime how long the work of one key takes
     * @param retryDelay how long a client waits before retrying a key that did not succeed
     */
    public RetryWorkload(String prefix, int keys, int clients, Duration workTime, Duration retryDelay,
            List<Instance> instances) {
        this.instances = List.copyOf(instances);
        this.keys = keys;
        this.workTime = workTime;
        this.retryDelay = retryDelay;
        for (int i = 0; i < keys; i++) {
            String key = prefix + "-" + i;
            pending.add(key);
            executions.put(key, new AtomicInteger());
        }
        this.clients = Executors.newFixedThreadPool(clients, runnable -> {
            Thread thread = new Thread(runnable, "retry-workload-client");
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < clients; i++) {
            running.add(this.clients.submit(this::runClient));
        }
    }

    private void runClient() {
        String key;
        while ((key = pending.poll()) != null) {
            AtomicInteger ran = executions.get(key);
            Runnable work = () -> {
                ran.incrementAndGet();
                sleep(workTime);
            };
            for (int attempt = 0; System.nanoTime() < deadlineNanos; attempt++) {
                String status = attempt(instances.get(attempt % instances.size()), key, work);
                statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                if (status.equals("ok")) {
                    succeeded.incrementAndGet();
                    break;
                }
                lastFailureNanos.set(System.nanoTime());
                sleep(retryDelay);
            }
        }
    }

    private static String attempt(Instance instance, String key, Runnable work) {
        try {
            return instance.attempt(key, work);
        }
        catch (RuntimeException ex) {
            return ex.getClass().getSimpleName();
        }
    }

    /** How many keys have succeeded so far. */
    public int succeeded() {
        return succeeded.get();
    }

    /**
     * Lets the clients go on until every key succeeded or {@code timeout} has passed, then stops
     * them.
     */
    public Report finish(Duration timeout) throws InterruptedException {
        deadlineNanos = System.nanoTime() + timeout.toNanos();
        clients.shutdown();
        if (!clients.awaitTermination(timeout.toMillis() + workTime.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
            clients.shutdownNow();
        }
        Map<String, Integer> doubles = new TreeMap<>();
        executions.forEach((key, count) -> {
            if (count.get() > 1) {
                doubles.put(key, count.get());
            }
        });
        Map<String, Integer> byStatus = new TreeMap<>();
        statuses.forEach((status, count) -> byStatus.put(status, count.get()));
        return new Report(keys, succeeded.get(), doubles, byStatus, lastFailureNanos.get());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What the workload saw.
     *
     * @param keys how many keys it sent
     * @param succeeded how many of them succeeded in the end
     * @param doubleExecutions the keys whose work ran more than once, with how many times
     * @param attemptsByStatus how many attempts ended with each status
     * @param lastFailureNanos {@link System#nanoTime()} of the last attempt that did not succeed; 0 if none
     */
    public record Report(int keys, int succeeded, Map<String, Integer> doubleExecutions,
            Map<String, Integer> attemptsByStatus, long lastFailureNanos) {

        /** The time from {@code faultNanos} to the last attempt that failed; zero when none failed after it. */
        public Duration recoveredAfter(long faultNanos) {
            return Duration.ofNanos(Math.max(0, lastFailureNanos - faultNanos));
        }

        @Override
        public String toString() {
            return succeeded + " of " + keys + " keys succeeded, " + doubleExecutions.size()
                    + " ran more than once " + doubleExecutions + ", attempts by status " + attemptsByStatus;
        }
    }
}
