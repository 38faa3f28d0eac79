package dev.idempotency.benchmarks;

import java.util.List;
import java.util.Map;
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
 */
record JmhRun(int warmUpIterations, TimeValue warmUpTime, int measurementIterations, TimeValue measurementTime,
        boolean verbose) {

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
        Options options = builder
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .forks(1)
                .threads(threads)
                .warmupIterations(warmUpIterations)
                .warmupTime(warmUpTime)
                .measurementIterations(measurementIterations)
                .measurementTime(measurementTime)
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(forkedJvmArguments().toArray(String[]::new))
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        RunResult result = new Runner(options).runSingle();
        Result<?> primary = result.getPrimaryResult();
        Result<?> allocation = result.getSecondaryResults().get("gc.alloc.rate.norm");
        return new Score(primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                allocation == null ? Double.NaN : allocation.getScore());
    }

    /** The same fixed heap for every fork, and where the stores are. */
    private static List<String> forkedJvmArguments() {
        return List.of("-Xms2g", "-Xmx2g",
                "-D" + StoreAddresses.REDIS_PROPERTY + "=" + StoreAddresses.redis(),
                "-D" + StoreAddresses.NATS_PROPERTY + "=" + StoreAddresses.nats(),
                "-D" + StoreAddresses.POSTGRES_PROPERTY + "=" + StoreAddresses.postgres());
    }
}
