package dev.idempotency.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs one JMH benchmark method at one thread count, in one forked JVM with the GC profiler, and
 * keeps its score and the bytes it allocated per operation.
 *
 * @param warmUpIterations warm-up iterations of {@code warmUpTime} each
 * @param warmUpTime the length of one warm-up iteration
 * @param measurementIterations measured iterations of {@code measurementTime} each
 * @param measurementTime the length of one measured iteration
 * @param verbose whether JMH prints its own progress
 * @param jfrDirectory where each fork writes a JFR recording (settings "profile") of its measured
 *     iterations but the first and the last, for {@link JfrBreakdown}; {@code null} for none
 */
record JmhRun(int warmUpIterations, TimeValue warmUpTime, int measurementIterations, TimeValue measurementTime,
        boolean verbose, Path jfrDirectory) {

    /** Numbers the recordings, as each benchmark runs in more than one fork. */
    private static final AtomicInteger FORKS = new AtomicInteger();

    /**
     * A benchmark's result.
     *
     * @param score the primary score, in {@code unit}
     * @param error the half-width of JMH's 99.9% confidence interval, NaN when it has too few iterations
     * @param bytesPerOperation bytes allocated per operation, all threads of the forked JVM counted
     */
    record Score(double score, double error, String unit, double bytesPerOperation) {
    }

    Score run(Class<?> benchmark, String method, int threads) throws RunnerException {
        return run(benchmark, method, threads, Map.of());
    }

    /** As {@link #run(Class, String, int)}, with the benchmark's {@code @Param} fields set to {@code params}. */
    Score run(Class<?> benchmark, String method, int threads, Map<String, String> params) throws RunnerException {
        OptionsBuilder builder = new OptionsBuilder();
        params.forEach(builder::param);
        List<String> jvmArguments = new ArrayList<>(forkedJvmArguments());
        String recording = null;
        if (jfrDirectory != null) {
            recording = benchmark.getSimpleName() + "." + method + "-t" + threads + "-" + FORKS.incrementAndGet();
            jvmArguments.add(recordingArgument(recording));
            // JFR announces a delayed recording at start-up on standard output, which JMH passes on.
            jvmArguments.add("-Xlog:jfr+startup=off");
        }
        Options options = builder
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .forks(1)
                .threads(threads)
                .warmupIterations(warmUpIterations)
                .warmupTime(warmUpTime)
                .measurementIterations(measurementIterations)
                .measurementTime(measurementTime)
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(jvmArguments.toArray(String[]::new))
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        RunResult result = new Runner(options).runSingle();
        Result<?> primary = result.getPrimaryResult();
        Result<?> allocation = result.getSecondaryResults().get("gc.alloc.rate.norm");
        if (recording != null) {
            recorded(recording, threads, primary);
        }
        return new Score(primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                allocation == null ? Double.NaN : allocation.getScore());
    }

    /**
     * A recording that starts once the warm-up and the first measured iteration are over (the fork
     * connects to its store before its warm-up, in well under one iteration) and ends with the
     * last measured iteration's start: the measured steady state, none of the fork's set-up or
     * tear-down.
     */
    private String recordingArgument(String recording) {
        long delayMillis = warmUpIterations * warmUpTime.convertTo(TimeUnit.MILLISECONDS)
                + measurementTime.convertTo(TimeUnit.MILLISECONDS);
        return "-XX:StartFlightRecording=settings=profile,delay=" + delayMillis + "ms,duration="
                + recordedMillis() + "ms,filename=" + jfrDirectory.resolve(recording + ".jfr");
    }

    private long recordedMillis() {
        return (measurementIterations - 2) * measurementTime.convertTo(TimeUnit.MILLISECONDS);
    }

    /**
     * Appends the recording to {@code windows.txt} as {@link JfrBreakdown} reads it: the whole
     * recording is one window, of as many operations as the fork's score gives for its length.
     */
    private void recorded(String recording, int threads, Result<?> primary) {
        if (!primary.getScoreUnit().equals("ops/s")) {
            return;
        }
        long operations = Math.round(primary.getScore() * recordedMillis() / 1000.0);
        try {
            Files.writeString(jfrDirectory.resolve("windows.txt"), String.format(Locale.ROOT, "%s t%d 0 %d %d%n",
                    recording, threads, Long.MAX_VALUE, operations), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The same fixed heap for every fork, and where the stores are. */
    private static List<String> forkedJvmArguments() {
        return List.of("-Xms2g", "-Xmx2g",
                "-D" + StoreAddresses.REDIS_PROPERTY + "=" + StoreAddresses.redis(),
                "-D" + StoreAddresses.NATS_PROPERTY + "=" + StoreAddresses.nats(),
                "-D" + StoreAddresses.POSTGRES_PROPERTY + "=" + StoreAddresses.postgres());
    }
}
