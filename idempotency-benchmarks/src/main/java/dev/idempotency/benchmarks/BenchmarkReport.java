package dev.idempotency.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark and prints one table of results and ratios against baselines measured in
 * the same run. See {@code docs/benchmarks.md} for the command and what each ratio means.
 *
 * <p>Arguments: {@code --quick} (a smoke run of about two minutes; its numbers mean little),
 * {@code --only=engine,redis,nats,jdbc,http} (and {@code redis-acks}, which no run includes unless
 * asked: it needs a Redis primary with a replica; {@code http} is {@code http-memory},
 * {@code http-redis}, {@code http-nats} and {@code http-jdbc}, one storage each; {@code http-webflux} is the sample app
 * on WebFlux, on the memory storage, on and off), {@code --http-connections=N}
 * (16 by default), {@code --http-rounds=N} (6 by default), {@code --http-warm-up=SECONDS} (the
 * least warm-up per app and scenario, 15 by default; it goes on until the app's JIT is done, up
 * to 180 s), {@code --http-jfr=DIR} (a JFR
 * recording of every app, settings "profile", written to DIR when it stops), {@code --jmh-jfr=DIR}
 * (the same of every JMH fork's measured iterations but the first and last; not in a quick run),
 * {@code --redis=redis://host:port}, {@code --nats=nats://host:port},
 * {@code --postgres=postgresql://host:port/database} (user {@code postgres}, no password),
 * {@code --verbose} (JMH's own output). Progress goes to standard error, the table to standard
 * output.
 */
public final class BenchmarkReport {

    private static final Set<String> SUITES = Set.of("engine", "redis", "redis-acks", "nats", "jdbc", "http",
            "http-memory", "http-redis", "http-nats", "http-jdbc", "http-webflux");
    /** The replicas the {@code redis-acks} suite waits for. */
    private static final int REPLICA_ACKS = 1;
    private static final int[] STORE_THREADS = { 1, 16 };

    private final JmhRun jmh;
    private final HttpLoadTest.Settings http;
    private final ResultTable table = new ResultTable();
    private final StringBuilder notes = new StringBuilder();

    private BenchmarkReport(JmhRun jmh, HttpLoadTest.Settings http) {
        this.jmh = jmh;
        this.http = http;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean verbose = false;
        int connections = 16;
        int rounds = 6;
        int warmUpSeconds = 15;
        Path jfr = null;
        Path jmhJfr = null;
        Set<String> suites = new LinkedHashSet<>(List.of("engine", "redis", "nats", "jdbc", "http"));
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            }
            else if (arg.equals("--verbose")) {
                verbose = true;
            }
            else if (arg.startsWith("--only=")) {
                suites = new LinkedHashSet<>(Arrays.asList(arg.substring("--only=".length()).split(",")));
                suites.retainAll(SUITES);
            }
            else if (arg.startsWith("--http-connections=")) {
                connections = Integer.parseInt(arg.substring("--http-connections=".length()));
            }
            else if (arg.startsWith("--http-rounds=")) {
                rounds = Integer.parseInt(arg.substring("--http-rounds=".length()));
            }
            else if (arg.startsWith("--http-warm-up=")) {
                warmUpSeconds = Integer.parseInt(arg.substring("--http-warm-up=".length()));
            }
            else if (arg.startsWith("--http-jfr=")) {
                jfr = Path.of(arg.substring("--http-jfr=".length())).toAbsolutePath();
                Files.createDirectories(jfr);
            }
            else if (arg.startsWith("--jmh-jfr=")) {
                jmhJfr = Path.of(arg.substring("--jmh-jfr=".length())).toAbsolutePath();
                Files.createDirectories(jmhJfr);
            }
            else if (arg.startsWith("--redis=")) {
                System.setProperty(StoreAddresses.REDIS_PROPERTY, arg.substring("--redis=".length()));
            }
            else if (arg.startsWith("--nats=")) {
                System.setProperty(StoreAddresses.NATS_PROPERTY, arg.substring("--nats=".length()));
            }
            else if (arg.startsWith("--postgres=")) {
                System.setProperty(StoreAddresses.POSTGRES_PROPERTY, arg.substring("--postgres=".length()));
            }
            else {
                System.err.println("Unknown argument " + arg + "; known: --quick --verbose --only=" + String.join(",",
                        SUITES) + " --http-connections=N --http-rounds=N --http-warm-up=SECONDS --http-jfr=DIR --jmh-jfr=DIR"
                        + " --redis=redis://host:port --nats=nats://host:port --postgres=postgresql://host:port/database");
                System.exit(2);
            }
        }
        JmhRun jmh = quick ? new JmhRun(1, TimeValue.milliseconds(200), 2, TimeValue.milliseconds(200), verbose, null)
                : new JmhRun(4, TimeValue.seconds(1), 5, TimeValue.seconds(1), verbose, jmhJfr);
        HttpLoadTest.Settings http = quick
                ? new HttpLoadTest.Settings(connections, Duration.ofSeconds(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(1), 1, jfr)
                : new HttpLoadTest.Settings(connections, Duration.ofSeconds(warmUpSeconds),
                        Duration.ofSeconds(Math.max(warmUpSeconds, 180)), Duration.ofSeconds(3), rounds, jfr);
        BenchmarkReport report = new BenchmarkReport(jmh, http);
        Instant started = Instant.now();
        String startLoad = loadAverage();
        progress("Running " + suites + (quick ? " (quick smoke run: the numbers mean little)" : "")
                + "; progress here, the table on standard output");
        if (suites.contains("engine")) {
            report.engine();
        }
        if (suites.contains("redis")) {
            report.redis();
        }
        if (suites.contains("redis-acks")) {
            report.redisWithReplicaAcks();
        }
        if (suites.contains("nats")) {
            report.nats();
        }
        if (suites.contains("jdbc")) {
            report.jdbc();
        }
        Set<String> chosen = suites;
        List<HttpLoadTest.Storage> httpStorages = Arrays.stream(HttpLoadTest.Storage.values())
                .filter(storage -> chosen.contains("http") || chosen.contains("http-" + storage.id())).toList();
        if (!httpStorages.isEmpty()) {
            report.http(httpStorages);
        }
        if (suites.contains("http-webflux")) {
            report.httpOnWebFlux();
        }
        report.print(started, startLoad, quick);
        System.exit(0);
    }

    private void engine() {
        String name = "Engine, memory storage";
        try {
            JmhRun.Score base = score(MemoryEngineBenchmark.class, "baseline", 1);
            JmhRun.Score first = score(MemoryEngineBenchmark.class, "firstRequest", 1);
            JmhRun.Score replay = score(MemoryEngineBenchmark.class, "replay", 1);
            JmhRun.Score fingerprint = score(MemoryEngineBenchmark.class, "fingerprint", 1);
            JmhRun.Score storageKey = score(MemoryEngineBenchmark.class, "storageKey", 1);
            String baseline = "no-op called directly: " + nanosAndBytes(base);
            double firstNanos = first.score() - base.score();
            double firstBytes = first.bytesPerOperation() - base.bytesPerOperation();
            String verdict = verdict(firstNanos <= 2000 ? null : "+" + whole(firstNanos - 2000) + " ns over",
                    firstBytes <= 2048 ? null : "+" + whole(firstBytes - 2048) + " B over");
            table.add(name, "first request", "1", nanosAndBytes(first), baseline,
                    "+" + whole(firstNanos) + " ns, +" + whole(firstBytes) + " B", "≤ +2,000 ns and ≤ +2,048 B",
                    verdict);
            table.add(name, "replay", "1", nanosAndBytes(replay), baseline,
                    "+" + whole(replay.score() - base.score()) + " ns, +"
                            + whole(replay.bytesPerOperation() - base.bytesPerOperation()) + " B",
                    "none set", "-");
            table.add(name, "of which: request fingerprint", "1", nanosAndBytes(fingerprint), "-", "-", "-", "-");
            table.add(name, "of which: storage key", "1", nanosAndBytes(storageKey), "-", "-", "-", "-");
        }
        catch (RunnerException ex) {
            failed(name, ex);
        }
    }

    private void redis() {
        store("Engine, Redis storage", "Redis", StoreAddresses.redis(), () -> RoundTripCount.redis(0),
                RedisStorageBenchmark.class, Map.of(), "SET NX PX + SET PX", "GET");
    }

    private void redisWithReplicaAcks() {
        store("Engine, Redis storage, replica-acks " + REPLICA_ACKS, "Redis with replica-acks", StoreAddresses.redis(),
                () -> RoundTripCount.redis(REPLICA_ACKS), RedisStorageBenchmark.class,
                Map.of("replicaAcks", Integer.toString(REPLICA_ACKS)), "SET NX PX + WAIT + SET PX + WAIT", "GET");
    }

    private void nats() {
        store("Engine, NATS KV storage", "NATS", StoreAddresses.nats(), RoundTripCount::nats,
                NatsStorageBenchmark.class, Map.of(), "create + update", "get");
    }

    /**
     * The JDBC storage's rows as every store's, then the transactional mode's: a first request
     * whose work commits a transaction inserting one business row, and one whose result is written
     * in the caller's transaction, each against that transaction alone.
     */
    private void jdbc() {
        String name = "Engine, JDBC storage";
        URI address = StoreAddresses.postgres();
        AtomicReference<RoundTripCount.JdbcCosts> counted = new AtomicReference<>();
        store(name, "PostgreSQL", address, () -> {
            counted.set(RoundTripCount.jdbc());
            return counted.get().store();
        }, JdbcStorageBenchmark.class, Map.of(), "INSERT ON CONFLICT DO NOTHING + UPDATE", "SELECT");
        if (!StoreAddresses.answers(address)) {
            return;
        }
        RoundTripCount.JdbcCosts costs = counted.get();
        for (boolean resultInTheTransaction : new boolean[] { false, true }) {
            String method = resultInTheTransaction ? "resultInTheTransaction" : "workInATransaction";
            for (int threads : STORE_THREADS) {
                try {
                    JmhRun.Score library1 = score(JdbcStorageBenchmark.class, method, threads);
                    JmhRun.Score plain1 = score(JdbcStorageBenchmark.class, "plainTransaction", threads);
                    JmhRun.Score plain2 = score(JdbcStorageBenchmark.class, "plainTransaction", threads);
                    JmhRun.Score library2 = score(JdbcStorageBenchmark.class, method, threads);
                    ForkPair library = new ForkPair(library1, library2);
                    ForkPair plain = new ForkPair(plain1, plain2);
                    RoundTripCount.PathCost libraryCost = costs == null ? null
                            : resultInTheTransaction ? costs.resultInTheTransaction() : costs.workInATransaction();
                    table.add(name, resultInTheTransaction ? "transaction, result written in it"
                            : "transaction, work commits it", Integer.toString(threads), throughput(library, libraryCost),
                            "plain transaction, one INSERT: " + throughput(plain, costs == null ? null
                                    : costs.plainTransaction()),
                            String.format(Locale.ROOT, "%.2f", library.score() / plain.score()), "none set", "-");
                }
                catch (RunnerException ex) {
                    failed(name + " " + method + ", " + threads + " threads", ex);
                }
            }
        }
    }

    /** One store's rows: round trips counted once, then each path at each thread count against its baseline. */
    private void store(String name, String store, URI address, CostCount count, Class<?> benchmark,
            Map<String, String> params, String baselineFirst, String baselineReplay) {
        if (!StoreAddresses.answers(address)) {
            table.add(name, "-", "-", "not run: nothing answers at " + address, "-", "-", "-", "-");
            return;
        }
        progress(store + ": counting round trips");
        RoundTripCount.StoreCosts costs = costs(count);
        if (costs != null) {
            notes.append(name).append(": ").append(costs.server()).append(". ");
        }
        for (boolean first : new boolean[] { true, false }) {
            for (int threads : STORE_THREADS) {
                String method = first ? "firstRequest" : "replay";
                String baselineMethod = "baseline" + Character.toUpperCase(method.charAt(0)) + method.substring(1);
                try {
                    // Library, baseline, baseline, library: load from outside that drifts during the four
                    // forks falls on both sides alike.
                    JmhRun.Score library1 = score(benchmark, method, threads, params);
                    JmhRun.Score base1 = score(benchmark, baselineMethod, threads, params);
                    JmhRun.Score base2 = score(benchmark, baselineMethod, threads, params);
                    JmhRun.Score library2 = score(benchmark, method, threads, params);
                    ForkPair library = new ForkPair(library1, library2);
                    ForkPair base = new ForkPair(base1, base2);
                    RoundTripCount.PathCost libraryCost = costs == null ? null
                            : first ? costs.libraryFirst() : costs.libraryReplay();
                    RoundTripCount.PathCost baseCost = costs == null ? null
                            : first ? costs.baselineFirst() : costs.baselineReplay();
                    double ratio = library.score() / base.score();
                    String ratioShortfall = ratio >= 0.9 ? null
                            : String.format(Locale.ROOT, "%.2f short of 0.90", 0.9 - ratio);
                    String extraRoundTrips = libraryCost == null ? "round trips not counted"
                            : libraryCost.roundTrips() <= baseCost.roundTrips() ? null
                            : "+" + roundTrips(libraryCost.roundTrips() - baseCost.roundTrips()) + " round trip";
                    table.add(name, first ? "first request" : "replay", Integer.toString(threads),
                            throughput(library, libraryCost),
                            (first ? baselineFirst : baselineReplay) + ": " + throughput(base, baseCost),
                            String.format(Locale.ROOT, "%.2f", ratio), "≥ 0.90, no extra round trip",
                            verdict(ratioShortfall, extraRoundTrips));
                }
                catch (RunnerException ex) {
                    failed(name + " " + method + ", " + threads + " threads", ex);
                }
            }
        }
    }

    private void http(List<HttpLoadTest.Storage> storages) {
        String name = "HTTP POST /orders";
        progress("HTTP: the sample app in its own JVMs (idempotency off; then per storage " + storages
                + " idempotency on and the floor), " + http.connections() + " keep-alive connections per app");
        List<HttpLoadTest.Storage> reachable = new ArrayList<>();
        for (HttpLoadTest.Storage storage : storages) {
            URI address = storage.address();
            if (address == null || StoreAddresses.answers(address)) {
                reachable.add(storage);
            }
            else {
                table.add(httpName(storage), "-", "-", "not run: nothing answers at " + address, "-", "-", "-", "-");
            }
        }
        if (reachable.isEmpty()) {
            return;
        }
        try {
            for (HttpLoadTest.Results results : HttpLoadTest.run(http, reachable, HttpLoadTest.Stack.SERVLET)) {
                httpRow(results.storage(), true, results.freshKeys());
                httpRow(results.storage(), false, results.replay());
            }
        }
        catch (Exception ex) {
            failed(name, ex);
        }
    }

    /**
     * The sample app on WebFlux (its {@code webflux} profile), memory storage, idempotency on
     * against off: the target is on/off ≥ 0.90 for fresh keys and replays. There is no
     * floor: the floor is a servlet filter.
     */
    private void httpOnWebFlux() {
        String name = "HTTP POST /orders on WebFlux, memory storage";
        progress("HTTP on WebFlux: the sample app's webflux profile in its own JVMs, idempotency off and on, "
                + http.connections() + " keep-alive connections per app");
        try {
            for (HttpLoadTest.Results results : HttpLoadTest.run(http, List.of(HttpLoadTest.Storage.MEMORY),
                    HttpLoadTest.Stack.WEBFLUX)) {
                webFluxRow(name, true, results.freshKeys());
                webFluxRow(name, false, results.replay());
            }
        }
        catch (Exception ex) {
            failed(name, ex);
        }
    }

    private void webFluxRow(String name, boolean fresh, HttpLoadTest.Comparison comparison) {
        HttpLoadTest.Result on = comparison.on();
        HttpLoadTest.Result off = comparison.off();
        double ratio = comparison.onOff();
        table.add(name, fresh ? "fresh key per request" : "replay of one key", http.connections() + " conns",
                "on: " + http(on), "off: " + http(off),
                String.format(Locale.ROOT, "on/off %.2f; CPU %+.0f µs over off", ratio,
                        on.cpuMicrosPerRequest() - off.cpuMicrosPerRequest()),
                "on/off ≥ 0.90",
                verdict(ratio >= 0.90 ? null : String.format(Locale.ROOT, "on/off %.2f short of 0.90", 0.90 - ratio))
                        + problems(on) + problems(off));
    }

    private static String httpName(HttpLoadTest.Storage storage) {
        return "HTTP POST /orders, " + switch (storage) {
            case MEMORY -> "memory";
            case REDIS -> "Redis";
            case NATS -> "NATS KV";
            case JDBC -> "JDBC (PostgreSQL)";
        } + " storage";
    }

    /** What the floor app sends its store per request. */
    private static String floorCommands(HttpLoadTest.Storage storage, boolean fresh) {
        return switch (storage) {
            case MEMORY -> fresh ? "putIfAbsent + put" : "putIfAbsent";
            case REDIS -> fresh ? "SET NX PX GET + SET PX" : "SET NX PX GET";
            case NATS -> fresh ? "get + create + update" : "get";
            case JDBC -> fresh ? "SELECT + INSERT ON CONFLICT DO NOTHING + UPDATE" : "SELECT";
        };
    }

    /**
     * One storage and scenario. Memory is held to the app with idempotency off (its store costs
     * next to nothing), Redis and NATS to their floor; every row's p99 to the floor's.
     */
    private void httpRow(HttpLoadTest.Storage storage, boolean fresh, HttpLoadTest.Comparison comparison) {
        HttpLoadTest.Result on = comparison.on();
        HttpLoadTest.Result off = comparison.off();
        HttpLoadTest.Result floor = comparison.floor();
        double cpuOverOff = on.cpuMicrosPerRequest() - off.cpuMicrosPerRequest();
        double cpuOverFloor = on.cpuMicrosPerRequest() - floor.cpuMicrosPerRequest();
        double p99Ratio = on.p99Millis() / floor.p99Millis();
        boolean memory = storage == HttpLoadTest.Storage.MEMORY;
        double ratio = memory ? comparison.onOff() : comparison.onFloor();
        double minRatio = memory ? 0.95 : 0.90;
        double cpuOver = memory ? cpuOverOff : cpuOverFloor;
        double maxCpuOver = memory ? 20 : 25;
        String against = memory ? "off" : "floor";
        String problems = problems(on) + problems(off) + problems(floor);
        table.add(httpName(storage), fresh ? "fresh key per request" : "replay of one key", http.connections()
                + " conns", "on: " + http(on), "off: " + http(off) + "; floor (" + floorCommands(storage, fresh) + "): "
                + http(floor),
                String.format(Locale.ROOT, "on/off %.2f, on/floor %.2f; CPU %+.0f µs over off, %+.0f µs over floor; "
                        + "p99 on/floor %.2f", comparison.onOff(), comparison.onFloor(), cpuOverOff, cpuOverFloor,
                        p99Ratio),
                String.format(Locale.ROOT, "on/%s ≥ %.2f, CPU ≤ %s + %.0f µs, p99 ≤ 1.2 x floor's", against,
                        minRatio, against, maxCpuOver),
                verdict(ratio >= minRatio ? null
                        : String.format(Locale.ROOT, "on/%s %.2f short of %.2f", against, minRatio - ratio, minRatio),
                        cpuOver <= maxCpuOver ? null
                                : String.format(Locale.ROOT, "CPU %.0f µs over", cpuOver - maxCpuOver),
                        p99Ratio <= 1.2 ? null : String.format(Locale.ROOT, "p99 %.2f x floor's", p99Ratio))
                        + problems);
    }

    private static String problems(HttpLoadTest.Result result) {
        String problems = "";
        if (result.failures() > 0) {
            problems += " (" + result.failures() + " failed requests)";
        }
        if (result.unexpectedReplays() > 0) {
            problems += " (" + result.unexpectedReplays() + " requests replayed or not as expected)";
        }
        return problems;
    }

    private JmhRun.Score score(Class<?> benchmark, String method, int threads) throws RunnerException {
        return score(benchmark, method, threads, Map.of());
    }

    private JmhRun.Score score(Class<?> benchmark, String method, int threads, Map<String, String> params)
            throws RunnerException {
        progress("JMH: " + benchmark.getSimpleName() + "." + method + ", " + threads + " thread"
                + (threads == 1 ? "" : "s") + (params.isEmpty() ? "" : " " + params));
        return jmh.run(benchmark, method, threads, params);
    }

    @FunctionalInterface
    private interface CostCount {
        RoundTripCount.StoreCosts count() throws Exception;
    }

    private RoundTripCount.StoreCosts costs(CostCount count) {
        try {
            return count.count();
        }
        catch (Exception ex) {
            progress("Could not count round trips: " + ex);
            return null;
        }
    }

    private void failed(String what, Exception ex) {
        progress(what + " failed: " + ex);
        table.add(what, "-", "-", "failed: " + ex.getClass().getSimpleName()
                + " (see the log; --verbose adds JMH's)", "-", "-", "-", "failed");
    }

    private void print(Instant started, String startLoad, boolean quick) {
        System.out.println("Idempotency benchmarks, " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", took "
                + Duration.between(started, Instant.now()).toSeconds() + " s" + (quick ? " (quick smoke run)" : ""));
        System.out.println("Machine: " + machine());
        System.out.println("JMH 1.37 with the GC profiler, a fresh JVM (-Xms2g -Xmx2g) per fork, warm-up "
                + jmh.warmUpIterations() + " x " + jmh.warmUpTime() + ", measurement " + jmh.measurementIterations()
                + " x " + jmh.measurementTime() + ". Engine: one fork each, ± is JMH's 99.9% interval. Stores: "
                + "library, baseline, baseline, library, each the mean of its two forks; RT counted on one thread.");
        System.out.println("HTTP: each app in its own JVM (-Xms2g -Xmx2g), " + http.connections()
                + " keep-alive connections, warm-up per app and scenario at least " + http.warmUp().toSeconds()
                + " s, then until the app's JIT spends under " + HttpLoadTest.SETTLED_COMPILE_MILLIS + " ms in a "
                + http.round().toSeconds() + " s window (at most " + http.maxWarmUp().toSeconds() + " s), "
                + http.rounds() + " rounds x " + http.round().toSeconds() + " s per app, off, on and floor back to back "
                + "(the first rotating); ratio = median of the rounds' ratios; CPU and KB are the app JVM's per request"
                + (http.jfrDirectory() == null ? "." : "; JFR recording to " + http.jfrDirectory() + " (slows every app)."));
        System.out.println("Load average (1 min) at start " + startLoad + ", at end " + loadAverage()
                + ": other processes on the machine compete for its cores.");
        if (!notes.isEmpty()) {
            System.out.println("Stores: " + notes.toString().trim());
        }
        System.out.println();
        table.print(System.out);
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse(cpu);
        }
        catch (IOException ex) {
            // Not Linux: the CPU model stays unknown.
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + String.format(Locale.ROOT, "%.1f GiB", memory / (1024.0 * 1024 * 1024)) + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    /** The 1-minute load average, or "unknown" off Linux. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        }
        catch (IOException ex) {
            return "unknown";
        }
    }

    private static String verdict(String... misses) {
        List<String> missed = Arrays.stream(misses).filter(miss -> miss != null).toList();
        return missed.isEmpty() ? "met" : "missed: " + String.join(", ", missed);
    }

    private static String nanosAndBytes(JmhRun.Score score) {
        return number(score.score()) + error(score) + " ns, " + whole(score.bytesPerOperation()) + " B";
    }

    /** Two forks of one benchmark, one before and one after its baseline's two. */
    private record ForkPair(JmhRun.Score first, JmhRun.Score second) {

        double score() {
            return (first.score() + second.score()) / 2;
        }

        double bytesPerOperation() {
            return (first.bytesPerOperation() + second.bytesPerOperation()) / 2;
        }
    }

    private static String throughput(ForkPair score, RoundTripCount.PathCost cost) {
        String text = whole(score.score()) + " ops/s (forks " + whole(score.first().score()) + ", "
                + whole(score.second().score()) + "), " + whole(score.bytesPerOperation()) + " B";
        if (cost != null) {
            text += ", " + roundTrips(cost.roundTrips()) + " RT";
        }
        return text;
    }

    private static String http(HttpLoadTest.Result result) {
        return whole(result.requestsPerSecond()) + " req/s, p50 "
                + String.format(Locale.ROOT, "%.2f ms, p99 %.2f ms, %.0f µs CPU and %.1f KB per request",
                        result.p50Millis(), result.p99Millis(), result.cpuMicrosPerRequest(),
                        result.allocatedBytesPerRequest() / 1024);
    }

    private static String error(JmhRun.Score score) {
        return Double.isNaN(score.error()) ? "" : " ± " + number(score.error());
    }

    private static String roundTrips(double roundTrips) {
        return String.format(Locale.ROOT, Math.abs(roundTrips - Math.rint(roundTrips)) < 0.005 ? "%.0f" : "%.2f",
                roundTrips);
    }

    /** Whole numbers from 100 up, one decimal below. */
    private static String number(double value) {
        return Math.abs(value) >= 100 ? whole(value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String whole(double value) {
        return String.format(Locale.ROOT, "%,d", Math.round(value));
    }

    private static void progress(String message) {
        System.err.println("[" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", load " + loadAverage() + "] "
                + message);
    }
}
