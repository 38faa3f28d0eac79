package dev.idempotency.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the HTTP apps spend their CPU and allocations, per part (the library's web layer, its
 * engine, Lettuce, Tomcat, ...), from the JFR recordings of a run with {@code --http-jfr=DIR}:
 * {@code java -cp idempotency-benchmarks/target/benchmarks.jar dev.idempotency.benchmarks.JfrBreakdown DIR}.
 * Only the measured rounds count ({@code DIR/windows.txt}, written by {@link HttpLoadTest}). The
 * recordings of {@code --jmh-jfr=DIR} read the same way, one per JMH fork, named by benchmark,
 * method, threads and fork ({@link JmhRun}), per operation instead of per request. With
 * a second argument, a part's name prefix such as {@code library}, each table is followed by that
 * part's samples by method (the frame that decided the part, and the method at the top).
 *
 * <p>A sample belongs to the part of the frame nearest its top that is not the JDK's nor a
 * utility's (Spring's {@code core} and {@code util}, Micrometer, logging): a {@code HashMap} that
 * the library's metrics decorator looks a timer up in is the library's, a Lettuce frame is
 * Lettuce's. µs per request = execution samples × the sampling period ("profile": 10 ms per
 * running Java thread) ÷ requests; GC and the JIT compiler are not Java threads and not counted.
 * Bytes per request = the allocation samples' weights ÷ requests.
 */
public final class JfrBreakdown {

    private static final double SAMPLE_MICROS = 10_000;

    /** Package prefix to part, first match wins: more specific first. */
    private static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("dev.idempotency.web.", "library: web");
        PARTS.put("dev.idempotency.engine.", "library: engine");
        PARTS.put("dev.idempotency.storage.", "library: storage");
        PARTS.put("dev.idempotency.actuate.", "library: metrics, observation");
        PARTS.put("dev.idempotency.autoconfigure.", "library: autoconfigure");
        PARTS.put("dev.idempotency.benchmarks.floor.", "floor filter");
        PARTS.put("dev.idempotency.benchmarks.", "benchmark server");
        PARTS.put("dev.idempotency.sample.", "the app's handler");
        PARTS.put("org.springframework.data.redis.", "Spring Data Redis");
        PARTS.put("io.lettuce.", "Lettuce");
        PARTS.put("io.netty.", "Netty");
        PARTS.put("io.nats.", "jnats");
        PARTS.put("org.springframework.jdbc.", "Spring JDBC");
        PARTS.put("org.springframework.transaction.", "Spring transactions");
        PARTS.put("org.postgresql.", "PgJDBC");
        PARTS.put("com.zaxxer.hikari.", "HikariCP");
        PARTS.put("org.openjdk.jmh.", "JMH");
        PARTS.put("org.springframework.security.", "Spring Security");
        PARTS.put("org.springframework.validation.", "Bean Validation");
        PARTS.put("org.hibernate.validator.", "Bean Validation");
        PARTS.put("jakarta.validation.", "Bean Validation");
        PARTS.put("tools.jackson.", "Jackson");
        PARTS.put("com.fasterxml.jackson.", "Jackson");
        PARTS.put("org.springframework.web.", "Spring MVC");
        PARTS.put("org.springframework.http.", "Spring MVC");
        PARTS.put("org.springframework.boot.", "Spring Boot");
        PARTS.put("org.apache.", "Tomcat");
        PARTS.put("org.springframework.", "Spring (other)");
        PARTS.put("io.micrometer.", "Micrometer");
    }

    /** Frames that count as their caller's. */
    private static final List<String> UTILITIES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
            "org.springframework.util.", "org.springframework.core.", "io.micrometer.", "org.slf4j.", "ch.qos.logback.");

    private JfrBreakdown() {
    }

    /** One measured round of one app: {@code app scenario fromMillis toMillis requests}. */
    private record Window(String app, String scenario, long from, long to, long requests) {
    }

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args[0]);
        String detail = args.length > 1 ? args[1] : null;
        Map<String, List<Window>> byRecording = new TreeMap<>();
        for (String line : Files.readAllLines(directory.resolve("windows.txt"))) {
            String[] fields = line.split(" ");
            Window window = new Window(fields[0], fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                    Long.parseLong(fields[4]));
            byRecording.computeIfAbsent(window.app(), app -> new ArrayList<>()).add(window);
        }
        for (Map.Entry<String, List<Window>> recording : byRecording.entrySet()) {
            Path file = directory.resolve(recording.getKey() + ".jfr");
            if (!Files.exists(file)) {
                continue;
            }
            for (String scenario : new LinkedHashSet<>(recording.getValue().stream().map(Window::scenario).toList())) {
                List<Window> windows = recording.getValue().stream().filter(w -> w.scenario().equals(scenario)).toList();
                Parts parts = breakdown(file, windows);
                print(recording.getKey() + ", " + scenario.replace('_', ' '), parts);
                if (detail != null) {
                    printDetail(parts, detail);
                }
            }
        }
    }

    /** Per part: execution samples and allocated bytes, and the requests of the windows. */
    private static Parts breakdown(Path file, List<Window> windows) throws IOException {
        Parts parts = new Parts(windows.stream().mapToLong(Window::requests).sum());
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                boolean sample = type.equals("jdk.ExecutionSample");
                if (!sample && !type.equals("jdk.ObjectAllocationSample")) {
                    continue;
                }
                long at = event.getStartTime().toEpochMilli();
                if (windows.stream().noneMatch(w -> at >= w.from() && at < w.to())) {
                    continue;
                }
                String[] owner = ownerOf(event.getStackTrace());
                String part = owner[0];
                String method = owner[1];
                if (sample) {
                    parts.samples.merge(part, 1L, Long::sum);
                    parts.methodSamples.merge(method, 1L, Long::sum);
                }
                else {
                    parts.bytes.merge(part, event.getLong("weight"), Long::sum);
                    parts.methodBytes.merge(method, event.getLong("weight"), Long::sum);
                }
            }
        }
        return parts;
    }

    private static final class Parts {

        final long requests;
        final Map<String, Long> samples = new TreeMap<>();
        final Map<String, Long> bytes = new TreeMap<>();
        /** By "part: deciding method < top method". */
        final Map<String, Long> methodSamples = new TreeMap<>();
        final Map<String, Long> methodBytes = new TreeMap<>();

        Parts(long requests) {
            this.requests = requests;
        }
    }

    /** The part of a sample, and "part: deciding method < top method". */
    private static String[] ownerOf(RecordedStackTrace stack) {
        if (stack == null || stack.getFrames().isEmpty()) {
            return new String[] { "(no stack)", "(no stack)" };
        }
        String top = name(stack.getFrames().get(0));
        String utility = null;
        String utilityMethod = null;
        for (RecordedFrame frame : stack.getFrames()) {
            if (!frame.isJavaFrame()) {
                continue;
            }
            String type = frame.getMethod().getType().getName();
            boolean isUtility = UTILITIES.stream().anyMatch(type::startsWith);
            if (!isUtility) {
                String part = part(type);
                return new String[] { part, part + ": " + name(frame) + " < " + top };
            }
            if (utility == null && !type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                utility = part(type);
                utilityMethod = utility + ": " + name(frame) + " < " + top;
            }
        }
        return utility != null ? new String[] { utility, utilityMethod } : new String[] { "JDK only", "JDK only: " + top };
    }

    private static String name(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
    }

    private static String part(String type) {
        for (Map.Entry<String, String> part : PARTS.entrySet()) {
            if (type.startsWith(part.getKey())) {
                return part.getValue();
            }
        }
        int second = type.indexOf('.', type.indexOf('.') + 1);
        return second < 0 ? type : type.substring(0, second);
    }

    private static void printDetail(Parts parts, String prefix) {
        System.out.println();
        System.out.println("| " + prefix + "... by method | µs CPU per request | bytes per request |");
        System.out.println("|---|---|---|");
        Map<String, Long> all = new TreeMap<>(parts.methodSamples);
        parts.methodBytes.keySet().forEach(method -> all.putIfAbsent(method, 0L));
        all.keySet().stream().filter(method -> method.startsWith(prefix))
                .sorted((a, b) -> Long.compare(parts.methodSamples.getOrDefault(b, 0L) * 1000
                        + parts.methodBytes.getOrDefault(b, 0L) / 1000, parts.methodSamples.getOrDefault(a, 0L) * 1000
                        + parts.methodBytes.getOrDefault(a, 0L) / 1000))
                .limit(25)
                .forEach(method -> System.out.printf(Locale.ROOT, "| %s | %.1f | %,d |%n", method,
                        parts.methodSamples.getOrDefault(method, 0L) * SAMPLE_MICROS / parts.requests,
                        parts.methodBytes.getOrDefault(method, 0L) / parts.requests));
    }

    private static void print(String title, Parts parts) {
        System.out.printf(Locale.ROOT, "%n%s: %,d requests measured%n%n", title, parts.requests);
        System.out.println("| Part | µs CPU per request | bytes per request |");
        System.out.println("|---|---|---|");
        Map<String, Long> all = new TreeMap<>(parts.samples);
        parts.bytes.keySet().forEach(part -> all.putIfAbsent(part, 0L));
        long totalSamples = 0;
        long totalBytes = 0;
        List<Map.Entry<String, Long>> rows = new ArrayList<>(all.entrySet());
        rows.sort((a, b) -> Long.compare(parts.samples.getOrDefault(b.getKey(), 0L),
                parts.samples.getOrDefault(a.getKey(), 0L)));
        for (Map.Entry<String, Long> row : rows) {
            long samples = parts.samples.getOrDefault(row.getKey(), 0L);
            long bytes = parts.bytes.getOrDefault(row.getKey(), 0L);
            totalSamples += samples;
            totalBytes += bytes;
            System.out.printf(Locale.ROOT, "| %s | %.1f | %,d |%n", row.getKey(),
                    samples * SAMPLE_MICROS / parts.requests, bytes / parts.requests);
        }
        System.out.printf(Locale.ROOT, "| all Java threads | %.1f | %,d |%n", totalSamples * SAMPLE_MICROS / parts.requests,
                totalBytes / parts.requests);
    }
}
