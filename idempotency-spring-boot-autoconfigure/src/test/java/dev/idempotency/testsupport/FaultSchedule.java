package dev.idempotency.testsupport;

import java.time.Duration;
import java.util.List;

/**
 * The faults a {@link RetryWorkload} runs under, in order: each waits for its trigger (a number
 * of successful sends since the cycle began, or a delay after the fault before it), then breaks
 * or mends something, and may wait itself (for a failover, say) before the next one starts. A
 * short run goes through the faults once; a long one repeats them while it still sends new keys.
 * {@link #run} runs them on the calling thread, the test's own.
 */
public final class FaultSchedule {

    /** Something a fault does to the deployment; it may block until the deployment reacted. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * One fault.
     *
     * @param name what it did, for the report, which notes it when its action returned
     * @param afterSucceeded how many sends must have succeeded since the cycle began before it runs
     * @param delay how long after the fault before it (or the trigger above) it runs
     */
    public record Fault(String name, int afterSucceeded, Duration delay, Action action) {

        /** A fault that runs once {@code sends} sends have succeeded in this cycle. */
        public static Fault afterSucceeded(int sends, String name, Action action) {
            return new Fault(name, sends, Duration.ZERO, action);
        }

        /** A fault that runs {@code delay} after the one before it. */
        public static Fault after(Duration delay, String name, Action action) {
            return new Fault(name, 0, delay, action);
        }
    }

    /**
     * A fault as it happened.
     *
     * @param name what it did
     * @param at when its action returned, from the start of the workload
     */
    public record Injected(String name, Duration at) {
    }

    private final List<Fault> faults;

    private FaultSchedule(List<Fault> faults) {
        this.faults = List.copyOf(faults);
    }

    /** These faults in this order: once in a short run, over and over in a long one. */
    public static FaultSchedule of(Fault... faults) {
        return new FaultSchedule(List.of(faults));
    }

    /** Runs the faults against {@code workload}, noting each in its report. */
    public void run(RetryWorkload workload) throws Exception {
        do {
            int cycleStart = workload.succeeded();
            for (Fault fault : faults) {
                while (workload.succeeded() - cycleStart < fault.afterSucceeded() && workload.sendsNewKeys()) {
                    Thread.sleep(10);
                }
                Thread.sleep(fault.delay().toMillis());
                fault.action().run();
                workload.injected(fault.name());
            }
        }
        while (workload.plan().isLong() && workload.sendsNewKeys());
    }
}
