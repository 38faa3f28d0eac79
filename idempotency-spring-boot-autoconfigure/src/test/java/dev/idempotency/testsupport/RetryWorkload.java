package dev.idempotency.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.context.ApplicationContext;

import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.storage.IdempotencyStorageException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault workload: clients that retry each key until it succeeds, alternating between
 * application instances, while a {@link FaultSchedule} breaks the store underneath (kill, pause,
 * failover). Each key's work counts its executions, so a key run twice shows as a double
 * execution, whatever each instance believed. The distributed-deployment findings were measured
 * with it.
 *
 * <p>Each key is sent by {@link Plan#copies()} clients at once, each starting on another instance:
 * the duplicates a client sends when it gives up waiting and retries elsewhere while the first
 * attempt still runs. A duplicate that finds the key in progress retries; one that finds it done
 * gets the replay. A claim or completion the store loses at a failover shows up as a duplicate
 * that runs the work again.
 *
 * <p>A short run has a fixed number of keys. A long one, for {@link Plan#duration()}, sends new
 * keys until the time is up while its schedule repeats: {@link Plan#fromSystemProperties} turns a
 * test's short plan into one when {@code -Didempotency.workload.duration=PT10M} is given (see
 * docs/failover.md).
 */
public final class RetryWorkload {

    /** The system property that turns a short run into a long one: an ISO-8601 duration such as {@code PT10M}. */
    public static final String DURATION_PROPERTY = "idempotency.workload.duration";

    /** The status of an attempt that found the key's first request still running: a duplicate's normal answer. */
    public static final String IN_PROGRESS = "in-progress";

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

    /**
     * An instance that runs each attempt through {@code keeper}: {@code ok} when it ran or replayed,
     * {@code in-progress} when the key's first request still runs, {@code storage-error} when the
     * storage could not answer.
     */
    public static Instance on(IdempotencyKeeper keeper) {
        RequestFingerprint fingerprint = RequestFingerprint.builder().add("workload").build();
        return (key, work) -> {
            try {
                keeper.execute(new IdempotencyKey("workload", key), fingerprint, Utf8Codec.PLAIN, () -> {
                    work.run();
                    return "done";
                });
                return "ok";
            }
            catch (IdempotentRequestInProgressException ex) {
                return IN_PROGRESS;
            }
            catch (IdempotencyStorageException ex) {
                return "storage-error";
            }
        };
    }

    /** One instance per context, each running attempts through the context's {@link IdempotencyKeeper}. */
    public static List<Instance> on(ApplicationContext... contexts) {
        return Arrays.stream(contexts).map(context -> on(context.getBean(IdempotencyKeeper.class))).toList();
    }

    /**
     * What the clients send.
     *
     * @param prefix the keys are {@code prefix-0}, {@code prefix-1} and so on
     * @param keys how many keys a short run sends; ignored by a long one
     * @param duration how long a long run sends new keys; {@code null} for a short run
     * @param clients how many clients send at once
     * @param copies how many clients send each key at once, each starting on another instance
     * @param workTime how long the work of one key takes
     * @param retryDelay how long a client waits before retrying a key that did not succeed
     */
    public record Plan(String prefix, int keys, Duration duration, int clients, int copies, Duration workTime,
            Duration retryDelay) {

        /** A short run of {@code keys} keys, each sent once. */
        public static Plan of(String prefix, int keys, int clients, Duration workTime, Duration retryDelay) {
            return new Plan(prefix, keys, null, clients, 1, workTime, retryDelay);
        }

        /** This plan with each key sent by {@code copies} clients at once. */
        public Plan withCopies(int copies) {
            return new Plan(prefix, keys, duration, clients, copies, workTime, retryDelay);
        }

        /** This plan, or a long run of {@value #DURATION_PROPERTY} when that system property is set. */
        public Plan fromSystemProperties() {
            String longRun = System.getProperty(DURATION_PROPERTY);
            return longRun == null || longRun.isBlank() ? this
                    : new Plan(prefix, keys, Duration.parse(longRun), clients, copies, workTime, retryDelay);
        }

        boolean isLong() {
            return duration != null;
        }
    }

    private final Plan plan;
    private final List<Instance> instances;
    private final AtomicLong nextSend = new AtomicLong();
    private final Map<String, KeyCounts> byKey = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<FaultSchedule.Injected> faults = new CopyOnWriteArrayList<>();
    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicLong lastFailureNanos = new AtomicLong();
    private final ExecutorService clients;
    private final long startNanos = System.nanoTime();
    private final long endNanos;
    private volatile long deadlineNanos = Long.MAX_VALUE;

    /** Starts the clients at once. */
    public RetryWorkload(Plan plan, List<Instance> instances) {
        this.plan = plan;
        this.instances = List.copyOf(instances);
        this.endNanos = plan.isLong() ? startNanos + plan.duration().toNanos() : Long.MAX_VALUE;
        this.clients = Executors.newFixedThreadPool(plan.clients(), runnable -> {
            Thread thread = new Thread(runnable, "retry-workload-client");
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < plan.clients(); i++) {
            this.clients.execute(this::runClient);
        }
    }

    /** The plan this workload runs. */
    public Plan plan() {
        return plan;
    }

    private void runClient() {
        while (true) {
            // Consecutive sends are the copies of one key, so the clients that take them send it together.
            long send = nextSend.getAndIncrement();
            long keyNumber = send / plan.copies();
            int copy = (int) (send % plan.copies());
            if (plan.isLong() ? System.nanoTime() - endNanos >= 0 : keyNumber >= plan.keys()) {
                return;
            }
            String key = plan.prefix() + "-" + keyNumber;
            KeyCounts counts = byKey.computeIfAbsent(key, k -> new KeyCounts());
            counts.sentCopies.incrementAndGet();
            Runnable work = () -> {
                counts.executions.incrementAndGet();
                sleep(plan.workTime());
            };
            for (int attempt = 0; System.nanoTime() < deadlineNanos; attempt++) {
                String status = attempt(instances.get((copy + attempt) % instances.size()), key, work);
                statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                counts.statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                if (status.equals("ok")) {
                    succeeded.incrementAndGet();
                    counts.succeededCopies.incrementAndGet();
                    break;
                }
                if (!status.equals(IN_PROGRESS)) {
                    lastFailureNanos.set(System.nanoTime());
                }
                sleep(plan.retryDelay());
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

    /** How many sends (a key's copies each count) have succeeded so far. */
    public int succeeded() {
        return succeeded.get();
    }

    /** Whether a long run still sends new keys; a short run always does until its keys are out. */
    boolean sendsNewKeys() {
        return plan.isLong() ? System.nanoTime() - endNanos < 0 : nextSend.get() < (long) plan.keys() * plan.copies();
    }

    /** Notes a fault injected now, for the report. */
    void injected(String fault) {
        faults.add(new FaultSchedule.Injected(fault, Duration.ofNanos(System.nanoTime() - startNanos)));
    }

    /**
     * Lets the clients go on until every key they took succeeded (and, in a long run, the time is
     * up), or {@code timeout} has passed since then, then stops them.
     */
    public Report finish(Duration timeout) throws InterruptedException {
        if (plan.isLong()) {
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime())));
        }
        deadlineNanos = System.nanoTime() + timeout.toNanos();
        clients.shutdown();
        if (!clients.awaitTermination(timeout.toMillis() + plan.workTime().toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
            clients.shutdownNow();
        }
        Map<String, Integer> doubles = new TreeMap<>();
        Map<String, KeyOutcome> outcomes = new TreeMap<>();
        int keysSucceeded = 0;
        long executions = 0;
        for (Map.Entry<String, KeyCounts> entry : byKey.entrySet()) {
            KeyOutcome outcome = entry.getValue().outcome();
            outcomes.put(entry.getKey(), outcome);
            executions += outcome.executions();
            if (outcome.executions() > 1) {
                doubles.put(entry.getKey(), outcome.executions());
            }
            if (entry.getValue().succeeded()) {
                keysSucceeded++;
            }
        }
        return new Report(byKey.size(), keysSucceeded, executions, doubles, counted(statuses), outcomes,
                List.copyOf(faults), Duration.ofNanos(System.nanoTime() - startNanos), lastFailureNanos.get());
    }

    private static Map<String, Integer> counted(Map<String, AtomicInteger> counts) {
        Map<String, Integer> byName = new TreeMap<>();
        counts.forEach((name, count) -> byName.put(name, count.get()));
        return byName;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class KeyCounts {

        private final AtomicInteger executions = new AtomicInteger();
        /** A long run may end between two copies of a key: only the copies sent count. */
        private final AtomicInteger sentCopies = new AtomicInteger();
        private final AtomicInteger succeededCopies = new AtomicInteger();
        private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();

        boolean succeeded() {
            return succeededCopies.get() == sentCopies.get();
        }

        KeyOutcome outcome() {
            return new KeyOutcome(executions.get(), succeeded(), counted(statuses));
        }
    }

    /**
     * One key: how often its work ran, whether it succeeded, and how many attempts ended with each
     * status.
     *
     * @param executions how many times the work ran
     * @param succeeded whether every copy sent got {@code ok} in the end
     * @param attemptsByStatus the attempts of all its copies, by status
     */
    public record KeyOutcome(int executions, boolean succeeded, Map<String, Integer> attemptsByStatus) {
    }

    /**
     * What the workload saw.
     *
     * @param keys how many keys it sent
     * @param succeeded how many of them succeeded in the end, on every copy sent
     * @param executions how many times work ran, all keys together
     * @param doubleExecutions the keys whose work ran more than once, with how many times
     * @param attemptsByStatus how many attempts ended with each status
     * @param byKey every key's executions and statuses
     * @param faults the faults injected, with when
     * @param ran how long the run took
     * @param lastFailureNanos {@link System#nanoTime()} of the last attempt that failed (neither
     *     succeeded nor found the key in progress); 0 if none
     */
    public record Report(int keys, int succeeded, long executions, Map<String, Integer> doubleExecutions,
            Map<String, Integer> attemptsByStatus, Map<String, KeyOutcome> byKey, List<FaultSchedule.Injected> faults,
            Duration ran, long lastFailureNanos) {

        /**
         * The time from {@code faultNanos} to the last attempt that failed (an answer other than
         * success or in progress); zero when none failed after it.
         */
        public Duration recoveredAfter(long faultNanos) {
            return Duration.ofNanos(Math.max(0, lastFailureNanos - faultNanos));
        }

        /** Fails the test unless every key succeeded and none ran more than once. */
        public void assertEveryKeySucceededAndRanOnce() {
            assertThat(succeeded).as("keys that succeeded: " + this).isEqualTo(keys);
            assertThat(doubleExecutions).as("keys that ran twice").isEmpty();
        }

        /** The keys that ran more than once, with their outcomes, as the report prints them. */
        public Map<String, KeyOutcome> doubledKeys() {
            Map<String, KeyOutcome> doubled = new LinkedHashMap<>();
            doubleExecutions.keySet().forEach(key -> doubled.put(key, byKey.get(key)));
            return doubled;
        }

        /** The keys that did not succeed, with their outcomes. */
        public Map<String, KeyOutcome> unfinishedKeys() {
            Map<String, KeyOutcome> unfinished = new LinkedHashMap<>();
            byKey.forEach((key, outcome) -> {
                if (!outcome.succeeded()) {
                    unfinished.put(key, outcome);
                }
            });
            return unfinished;
        }

        @Override
        public String toString() {
            List<String> timeline = new ArrayList<>();
            faults.forEach(fault -> timeline.add(fault.at().toMillis() + " ms " + fault.name()));
            return succeeded + " of " + keys + " keys succeeded in " + ran.toMillis() + " ms"
                    + (succeeded == keys ? "" : " (not " + unfinishedKeys() + ")") + ", " + executions
                    + " executions, " + doubleExecutions.size() + " keys ran more than once " + doubledKeys()
                    + ", attempts by status " + attemptsByStatus + ", faults " + timeline;
        }
    }
}
