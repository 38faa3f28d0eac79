package dev.idempotency.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The sample app's {@code POST /orders} end to end over HTTP, with idempotency on (the default
 * memory storage) against the same app with {@code idempotency.enabled=false}: each in a JVM of
 * its own with the same flags ({@link SampleAppServer}), on loopback ports, driven from this JVM
 * by the same kind of keep-alive connections.
 *
 * <p>Two scenarios: a fresh key per request (every request is a first request), and one key sent
 * again and again (after the first, every request is a replay; with idempotency off the handler
 * runs every time). Each app is warmed up, then measured in rounds that alternate which app goes
 * first, so that drift (JIT, heap growth) does not favour one of them.
 */
final class HttpLoadTest {

    /** How long and how hard to drive each app. */
    record Settings(int connections, Duration warmUp, Duration round, int rounds) {
    }

    /**
     * One app under one scenario, all its measured rounds together.
     *
     * @param cpuMicrosPerRequest the app's JVM's CPU time (GC and JIT included) per request:
     *     unlike throughput, barely moved by other processes competing for the cores
     * @param allocatedBytesPerRequest bytes allocated by the app's JVM per request
     */
    record Result(long requests, long failures, long unexpectedReplays, double requestsPerSecond, double p50Millis,
            double p99Millis, double cpuMicrosPerRequest, double allocatedBytesPerRequest) {
    }

    /**
     * The same scenario with idempotency on and off.
     *
     * @param ratio the median over rounds of on's throughput over off's, each pair measured back to
     *     back, so that load from outside that comes and goes falls on both sides of most pairs
     */
    record Comparison(Result on, Result off, double ratio) {
    }

    /** Both scenarios. */
    record Results(Comparison freshKeys, Comparison replay) {
    }

    private enum Scenario {
        FRESH_KEYS, REPLAY
    }

    private static final byte[] BODY = OrderExchange.BODY;

    private HttpLoadTest() {
    }

    static Results run(Settings settings) throws Exception {
        try (RunningApp on = RunningApp.start(true); RunningApp off = RunningApp.start(false)) {
            String run = StoreAddresses.runId();
            // Warm both apps up on both scenarios before measuring either.
            for (Scenario scenario : Scenario.values()) {
                for (RunningApp app : List.of(off, on)) {
                    Window warmUp = drive(app, settings.connections(), settings.warmUp(), scenario, run + "w");
                    progress("warm-up", app, scenario, warmUp);
                }
            }
            Comparison fresh = compare(settings, on, off, Scenario.FRESH_KEYS, run);
            Comparison replay = compare(settings, on, off, Scenario.REPLAY, run);
            return new Results(fresh, replay);
        }
    }

    private static Comparison compare(Settings settings, RunningApp on, RunningApp off, Scenario scenario, String run)
            throws Exception {
        Map<RunningApp, List<Window>> windows = new HashMap<>();
        windows.put(on, new ArrayList<>());
        windows.put(off, new ArrayList<>());
        double[] ratios = new double[settings.rounds()];
        for (int round = 0; round < settings.rounds(); round++) {
            List<RunningApp> order = round % 2 == 0 ? List.of(off, on) : List.of(on, off);
            for (RunningApp app : order) {
                Window window = drive(app, settings.connections(), settings.round(), scenario, run + "r" + round);
                progress("round " + (round + 1), app, scenario, window);
                windows.get(app).add(window);
            }
            ratios[round] = windows.get(on).get(round).requestsPerSecond()
                    / windows.get(off).get(round).requestsPerSecond();
        }
        Arrays.sort(ratios);
        double median = ratios.length % 2 == 1 ? ratios[ratios.length / 2]
                : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
        return new Comparison(summarize(windows.get(on), on.idempotent, scenario),
                summarize(windows.get(off), off.idempotent, scenario), median);
    }

    /** What one app answered in one timed window. */
    private record Window(long nanos, long[] latencies, long failures, long replays, long cpuNanos,
            long allocatedBytes) {

        double requestsPerSecond() {
            return latencies.length / (nanos / 1e9);
        }
    }

    private static void progress(String phase, RunningApp app, Scenario scenario, Window window) {
        System.err.printf(Locale.ROOT, "  HTTP %s, %s, idempotency %s: %,.0f req/s%n", phase,
                scenario.name().toLowerCase(Locale.ROOT).replace('_', ' '), app.idempotent ? "on" : "off",
                window.requestsPerSecond());
    }

    private static Window drive(RunningApp app, int connections, Duration duration, Scenario scenario, String phase)
            throws Exception {
        LongFunction<byte[]> requests;
        if (scenario == Scenario.REPLAY) {
            byte[] request = KeepAliveConnection.post(app.port, "/orders", "replay-" + phase, BODY);
            try (KeepAliveConnection first = new KeepAliveConnection(app.port)) {
                first.exchange(request);
            }
            requests = n -> request;
        }
        else {
            requests = n -> KeepAliveConnection.post(app.port, "/orders", "fresh-" + phase + "-" + n, BODY);
        }
        Worker[] workers = new Worker[connections];
        CountDownLatch ready = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < connections; i++) {
            long first = (long) i << 40;
            workers[i] = new Worker(new KeepAliveConnection(app.port), n -> requests.apply(first + n), ready, go);
        }
        for (Worker worker : workers) {
            worker.thread.start();
        }
        ready.await();
        long[] before = app.stats();
        long start = System.nanoTime();
        for (Worker worker : workers) {
            worker.deadline = start + duration.toNanos();
        }
        go.countDown();
        long end = start;
        for (Worker worker : workers) {
            worker.thread.join();
            end = Math.max(end, worker.finishedAt);
        }
        long[] after = app.stats();
        long cpu = after[0] - before[0];
        long allocated = after[1] - before[1];
        long[] latencies = Arrays.stream(workers).flatMapToLong(worker -> Arrays.stream(worker.latencies, 0, worker.count))
                .toArray();
        long failures = 0;
        long replays = 0;
        for (Worker worker : workers) {
            failures += worker.failures;
            replays += worker.replays;
            worker.connection.close();
            if (worker.error != null) {
                throw worker.error;
            }
        }
        return new Window(end - start, latencies, failures, replays, cpu, allocated);
    }

    private static Result summarize(List<Window> windows, boolean idempotent, Scenario scenario) {
        long nanos = 0;
        long failures = 0;
        long replays = 0;
        long allocated = 0;
        long cpu = 0;
        List<long[]> all = new ArrayList<>();
        for (Window window : windows) {
            nanos += window.nanos();
            failures += window.failures();
            replays += window.replays();
            allocated += window.allocatedBytes();
            cpu += window.cpuNanos();
            all.add(window.latencies());
        }
        long[] latencies = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long requests = latencies.length;
        // With idempotency on, every request of the replay scenario must be a replay; otherwise none may be.
        long expectedReplays = idempotent && scenario == Scenario.REPLAY ? requests : 0;
        return new Result(requests, failures, Math.abs(expectedReplays - replays), requests / (nanos / 1e9),
                percentile(latencies, 0.50) / 1e6, percentile(latencies, 0.99) / 1e6, cpu / 1e3 / requests,
                (double) allocated / requests);
    }

    private static double percentile(long[] sorted, double quantile) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.round(quantile * (sorted.length - 1))];
    }

    /** One connection sending requests back to back until the deadline, each answer awaited. */
    private static final class Worker {

        final Thread thread;
        final KeepAliveConnection connection;
        volatile long deadline;
        long[] latencies = new long[64 * 1024];
        int count;
        long failures;
        long replays;
        long finishedAt;
        Exception error;

        Worker(KeepAliveConnection connection, LongFunction<byte[]> requests, CountDownLatch ready, CountDownLatch go) {
            this.connection = connection;
            this.thread = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    loop(requests);
                }
                catch (Exception ex) {
                    error = ex;
                }
                finishedAt = System.nanoTime();
            }, "http-load");
        }

        private void loop(LongFunction<byte[]> requests) throws IOException {
            long deadline = this.deadline;
            for (long n = 0; ; n++) {
                byte[] request = requests.apply(n);
                long sent = System.nanoTime();
                if (sent - deadline >= 0) {
                    return;
                }
                int status;
                try {
                    status = connection.exchange(request);
                }
                catch (IOException ex) {
                    failures++;
                    continue;
                }
                record(System.nanoTime() - sent);
                if (status != 201) {
                    failures++;
                }
                if (connection.lastWasReplay()) {
                    replays++;
                }
            }
        }

        private void record(long latency) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = latency;
        }
    }

    /** The sample app in a JVM of its own ({@link SampleAppServer}), on a free loopback port. */
    private static final class RunningApp implements AutoCloseable {

        /** The same for both apps. */
        static final List<String> JVM_FLAGS = List.of("-Xms2g", "-Xmx2g");

        final Process process;
        final BufferedReader out;
        final PrintWriter in;
        final boolean idempotent;
        final int port;

        private RunningApp(Process process, boolean idempotent) throws IOException {
            this.process = process;
            this.idempotent = idempotent;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII), true);
            this.port = Integer.parseInt(answer("port="));
        }

        static RunningApp start(boolean idempotent) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), SampleAppServer.class.getName(),
                    "--idempotency.enabled=" + idempotent));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                return new RunningApp(process, idempotent);
            }
            catch (IOException | RuntimeException ex) {
                process.destroyForcibly();
                throw ex;
            }
        }

        /** The app's JVM's CPU nanoseconds and allocated bytes so far. */
        long[] stats() throws IOException {
            in.println("stats");
            String[] fields = answer("stats ").split(" ");
            return new long[] { Long.parseLong(fields[0].substring("cpu=".length())),
                    Long.parseLong(fields[1].substring("allocated=".length())) };
        }

        /** The rest of the next line that starts with {@code prefix}; other output is skipped. */
        private String answer(String prefix) throws IOException {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
            throw new IOException("The sample app (idempotency " + (idempotent ? "on" : "off") + ") exited; "
                    + "its log is above");
        }

        @Override
        public void close() {
            in.println("stop");
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            catch (InterruptedException ex) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
