package dev.idempotency.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The sample app's {@code POST /orders} end to end over HTTP, per storage (memory, Redis, NATS):
 * with idempotency on, against the same app with {@code idempotency.enabled=false} ("off"), and
 * against the app with idempotency off and the floor filter on the same store ("floor",
 * {@link dev.idempotency.benchmarks.floor.FloorConfiguration}). Each app runs in a JVM of its own
 * with the same flags ({@link SampleAppServer}), on loopback ports, driven from this JVM by the
 * same kind of keep-alive connections.
 *
 * <p>Two scenarios: a fresh key per request (every request is a first request), and one key sent
 * again and again (after the first, every request is a replay; with idempotency off the handler
 * runs every time). Each app is warmed up, then measured in rounds that rotate which app goes
 * first, so that drift (JIT, heap growth) does not favour one of them. One off app serves every
 * storage; the on and floor apps of a storage run while it is measured, then stop.
 */
final class HttpLoadTest {

    /**
     * How long and how hard to drive each app.
     *
     * @param warmUp the least warm-up per app and scenario; it goes on, in windows of {@code round},
     *     until the app's JIT compilers spent less than {@value #SETTLED_COMPILE_MILLIS} ms in a
     *     window, or {@code maxWarmUp} has passed. On two cores that the load generator shares, a
     *     new JVM compiles for minutes, and whatever a fixed warm-up leaves of it is charged to the
     *     first measured rounds (CPU and allocation per request both).
     * @param jfrDirectory where the on and floor apps write a JFR recording (settings "profile"),
     *     or {@code null} for none
     */
    record Settings(int connections, Duration warmUp, Duration maxWarmUp, Duration round, int rounds,
            Path jfrDirectory) {
    }

    /** The JIT time in one warm-up window below which an app counts as compiled. */
    static final long SETTLED_COMPILE_MILLIS = 50;

    /** A storage under test, as the sample app's profile names it. */
    enum Storage {
        MEMORY, REDIS, NATS, JDBC;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Where its server listens; {@code null} for memory. */
        URI address() {
            return switch (this) {
                case MEMORY -> null;
                case REDIS -> StoreAddresses.redis();
                case NATS -> StoreAddresses.nats();
                case JDBC -> StoreAddresses.postgres();
            };
        }

        /**
         * Whether the sample app's profile of this storage also keeps its orders there (JDBC's
         * keeps them in PostgreSQL, each in a transaction): then its off app runs that profile too,
         * so that on, off and floor do the same business work.
         */
        boolean keepsOrders() {
            return this == JDBC;
        }
    }

    /** The web stack the sample app runs on. */
    enum Stack {
        /** Spring MVC on Tomcat, the sample app's default. */
        SERVLET,
        /** WebFlux on Netty, the sample app's {@code webflux} profile; it has no floor (a servlet filter). */
        WEBFLUX
    }

    /** The three apps of one comparison. */
    enum Variant {
        /** Idempotency on. */
        ON,
        /** Idempotency off. */
        OFF,
        /** Idempotency off, the floor filter on the storage. */
        FLOOR;

        /** Whether the app answers a key sent again with its stored response. */
        boolean replays() {
            return this != OFF;
        }
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
     * One scenario on one storage with idempotency on, off, and the floor ({@code null}, with an
     * {@code onFloor} of {@code NaN}, on WebFlux).
     *
     * @param onOff the median over rounds of on's throughput over off's, each pair measured in the
     *     same round, so that load from outside that comes and goes falls on both sides of most pairs
     * @param onFloor the same of on's over the floor's
     */
    record Comparison(Result on, Result off, Result floor, double onOff, double onFloor) {
    }

    /** Both scenarios on one storage. */
    record Results(Storage storage, Comparison freshKeys, Comparison replay) {
    }

    private enum Scenario {
        FRESH_KEYS, REPLAY
    }

    private static final byte[] BODY = OrderExchange.BODY;

    private HttpLoadTest() {
    }

    static List<Results> run(Settings settings, List<Storage> storages, Stack stack) throws Exception {
        List<Results> results = new ArrayList<>();
        String run = StoreAddresses.runId() + stack.name().charAt(0);
        try (RunningApp sharedOff = RunningApp.start(Variant.OFF, Storage.MEMORY, stack, settings, null)) {
            for (Storage storage : storages) {
                try (BenchmarkSchema schema = storage == Storage.JDBC ? BenchmarkSchema.create(storage.address(),
                        "idempotency_bench_" + run.toLowerCase(Locale.ROOT)) : null;
                        RunningApp ownOff = storage.keepsOrders()
                                ? RunningApp.start(Variant.OFF, storage, stack, settings, schema) : null;
                        RunningApp on = RunningApp.start(Variant.ON, storage, stack, settings, schema);
                        RunningApp floor = stack == Stack.SERVLET
                                ? RunningApp.start(Variant.FLOOR, storage, stack, settings, schema) : null) {
                    RunningApp off = ownOff != null ? ownOff : sharedOff;
                    List<RunningApp> apps = floor == null ? List.of(off, on) : List.of(off, on, floor);
                    // Warm every app up on both scenarios before measuring any (the shared off once).
                    for (Scenario scenario : Scenario.values()) {
                        for (RunningApp app : apps) {
                            if (app != sharedOff || storage == storages.get(0)) {
                                warmUp(settings, app, scenario, run + "w" + storage.id());
                            }
                        }
                    }
                    String phase = run + storage.id();
                    results.add(new Results(storage, compare(settings, apps, Scenario.FRESH_KEYS, phase),
                            compare(settings, apps, Scenario.REPLAY, phase)));
                }
            }
        }
        return results;
    }

    /** Drives {@code app} until it has settled: see {@link Settings#warmUp()}. */
    private static void warmUp(Settings settings, RunningApp app, Scenario scenario, String run) throws Exception {
        long spent = 0;
        for (int window = 0; ; window++) {
            Window warmUp = drive(app, settings.connections(), settings.round(), scenario, run + window);
            progress("warm-up", app, scenario, warmUp);
            spent += settings.round().toNanos();
            boolean settled = warmUp.compileMillis() < SETTLED_COMPILE_MILLIS;
            if (spent >= settings.warmUp().toNanos() && settled || spent >= settings.maxWarmUp().toNanos()) {
                return;
            }
        }
    }

    /** Rounds of {@code apps} (off, on, and the floor if any) back to back, the first of each round rotating. */
    private static Comparison compare(Settings settings, List<RunningApp> apps, Scenario scenario, String run)
            throws Exception {
        Map<RunningApp, List<Window>> windows = new HashMap<>();
        for (RunningApp app : apps) {
            windows.put(app, new ArrayList<>());
        }
        RunningApp off = apps.get(0);
        RunningApp on = apps.get(1);
        RunningApp floor = apps.size() > 2 ? apps.get(2) : null;
        double[] onOff = new double[settings.rounds()];
        double[] onFloor = new double[settings.rounds()];
        for (int round = 0; round < settings.rounds(); round++) {
            for (int i = 0; i < apps.size(); i++) {
                RunningApp app = apps.get((round + i) % apps.size());
                Window window = drive(app, settings.connections(), settings.round(), scenario, run + "r" + round);
                progress("round " + (round + 1), app, scenario, window);
                windows.get(app).add(window);
                if (settings.jfrDirectory() != null) {
                    // What JfrBreakdown counts: the measured rounds of each app's recording.
                    Files.writeString(settings.jfrDirectory().resolve("windows.txt"), app.recording() + " "
                            + scenario.name().toLowerCase(Locale.ROOT) + " " + window.fromMillis() + " "
                            + window.toMillis() + " " + window.latencies().length + "\n", StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
            }
            double onThroughput = windows.get(on).get(round).requestsPerSecond();
            onOff[round] = onThroughput / windows.get(off).get(round).requestsPerSecond();
            onFloor[round] = floor == null ? Double.NaN
                    : onThroughput / windows.get(floor).get(round).requestsPerSecond();
        }
        return new Comparison(summarize(windows.get(on), on.variant, scenario),
                summarize(windows.get(off), off.variant, scenario),
                floor == null ? null : summarize(windows.get(floor), floor.variant, scenario),
                median(onOff), median(onFloor));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** What one app answered in one timed window. */
    private record Window(long nanos, long[] latencies, long failures, long replays, long cpuNanos,
            long allocatedBytes, long compileMillis, long fromMillis, long toMillis) {

        double requestsPerSecond() {
            return latencies.length / (nanos / 1e9);
        }
    }

    private static void progress(String phase, RunningApp app, Scenario scenario, Window window) {
        System.err.printf(Locale.ROOT, "  HTTP %s, %s, %s: %,.0f req/s, %.0f µs CPU per request, JIT %d ms%n",
                phase, scenario.name().toLowerCase(Locale.ROOT).replace('_', ' '), app, window.requestsPerSecond(),
                window.cpuNanos() / 1e3 / Math.max(1, window.latencies().length), window.compileMillis());
    }

    private static Window drive(RunningApp app, int connections, Duration duration, Scenario scenario, String phase)
            throws Exception {
        LongFunction<byte[]> requests;
        if (scenario == Scenario.REPLAY) {
            byte[] request = KeepAliveConnection.post(app.port(), "/orders", "replay-" + phase, BODY);
            try (KeepAliveConnection first = new KeepAliveConnection(app.port())) {
                first.exchange(request);
            }
            requests = n -> request;
        }
        else {
            requests = n -> KeepAliveConnection.post(app.port(), "/orders", "fresh-" + phase + "-" + n, BODY);
        }
        Worker[] workers = new Worker[connections];
        CountDownLatch ready = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < connections; i++) {
            long first = (long) i << 40;
            workers[i] = new Worker(new KeepAliveConnection(app.port()), n -> requests.apply(first + n), ready, go);
        }
        for (Worker worker : workers) {
            worker.thread.start();
        }
        ready.await();
        long[] before = app.stats();
        long fromMillis = System.currentTimeMillis();
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
        long toMillis = System.currentTimeMillis();
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
        return new Window(end - start, latencies, failures, replays, cpu, allocated, after[2] - before[2], fromMillis,
                toMillis);
    }

    private static Result summarize(List<Window> windows, Variant variant, Scenario scenario) {
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
        // On and floor, every request of the replay scenario must be a replay; otherwise none may be.
        long expectedReplays = variant.replays() && scenario == Scenario.REPLAY ? requests : 0;
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

        /** The same for every app. */
        static final List<String> JVM_FLAGS = List.of("-Xms2g", "-Xmx2g");

        final Process process;
        final BufferedReader out;
        final PrintWriter in;
        final Variant variant;
        final Storage storage;
        final Stack stack;
        private int port;

        private RunningApp(Process process, Variant variant, Storage storage, Stack stack) {
            this.process = process;
            this.variant = variant;
            this.storage = storage;
            this.stack = stack;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII), true);
        }

        /** Starts the app and waits until it listens. */
        static RunningApp start(Variant variant, Storage storage, Stack stack, Settings settings, BenchmarkSchema schema)
                throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            if (settings.jfrDirectory() != null) {
                command.add("-XX:StartFlightRecording=settings=profile,filename="
                        + settings.jfrDirectory().resolve(recording(variant, storage, stack) + ".jfr"));
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), SampleAppServer.class.getName()));
            command.addAll(properties(variant, storage, stack, schema));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            RunningApp app = new RunningApp(process, variant, storage, stack);
            try {
                app.port = Integer.parseInt(app.answer("port="));
                return app;
            }
            catch (IOException | RuntimeException ex) {
                process.destroyForcibly();
                throw ex;
            }
        }

        /**
         * The sample app's profiles (the storage's, and {@code webflux} on WebFlux), idempotency on or
         * off, the floor filter on the storage, and the run's own schema for the JDBC apps.
         */
        private static List<String> properties(Variant variant, Storage storage, Stack stack, BenchmarkSchema schema) {
            List<String> properties = new ArrayList<>();
            properties.add("--idempotency.enabled=" + (variant == Variant.ON));
            List<String> profiles = new ArrayList<>();
            if (stack == Stack.WEBFLUX) {
                profiles.add("webflux");
            }
            if (storage != Storage.MEMORY && (variant != Variant.OFF || storage.keepsOrders())) {
                profiles.add(storage.id());
                URI redis = StoreAddresses.redis();
                properties.addAll(List.of("--spring.data.redis.host=" + redis.getHost(),
                        "--spring.data.redis.port=" + redis.getPort(),
                        "--idempotency.storage.nats.servers=" + StoreAddresses.nats()));
            }
            if (schema != null) {
                properties.addAll(List.of("--spring.datasource.url=" + schema.jdbcUrl(),
                        "--spring.datasource.username=" + StoreAddresses.POSTGRES_USER));
            }
            if (!profiles.isEmpty()) {
                properties.add("--spring.profiles.active=" + String.join(",", profiles));
            }
            if (variant == Variant.FLOOR) {
                properties.add("--benchmark.floor=" + storage.id());
            }
            return properties;
        }

        int port() {
            return port;
        }

        /** The name of its JFR recording, without {@code .jfr}: for example {@code on-redis}, {@code on-memory-webflux}. */
        String recording() {
            return recording(variant, storage, stack);
        }

        private static String recording(Variant variant, Storage storage, Stack stack) {
            return variant.name().toLowerCase(Locale.ROOT) + "-" + storage.id()
                    + (stack == Stack.WEBFLUX ? "-webflux" : "");
        }

        /** The app's JVM's CPU nanoseconds, allocated bytes and JIT milliseconds so far. */
        long[] stats() throws IOException {
            in.println("stats");
            String[] fields = answer("stats ").split(" ");
            return new long[] { Long.parseLong(fields[0].substring("cpu=".length())),
                    Long.parseLong(fields[1].substring("allocated=".length())),
                    Long.parseLong(fields[2].substring("compiled=".length())) };
        }

        /** The rest of the next line that starts with {@code prefix}; other output is skipped. */
        private String answer(String prefix) throws IOException {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
            throw new IOException("The sample app (" + this + ") exited; its log is above");
        }

        /** For example "on, redis" or "off, webflux"; off runs no storage. */
        @Override
        public String toString() {
            String web = stack == Stack.WEBFLUX ? ", webflux" : "";
            return (variant == Variant.OFF && !storage.keepsOrders() ? "off"
                    : variant.name().toLowerCase(Locale.ROOT) + ", " + storage.id()) + web;
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
