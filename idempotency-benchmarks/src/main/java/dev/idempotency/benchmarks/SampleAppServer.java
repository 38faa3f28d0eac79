package dev.idempotency.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.benchmarks.floor.FloorConfiguration;
import dev.idempotency.sample.SampleApplication;

/**
 * The sample app in a JVM of its own, driven by {@link HttpLoadTest}: its own heap, GC and JIT,
 * so that what one app costs is never charged to the other. Arguments are Spring properties
 * ({@code --idempotency.enabled=false}), added to {@link #BENCHMARK_SETTINGS}; with
 * {@code --benchmark.floor=memory|redis|nats} the app also runs the floor filter
 * ({@link FloorConfiguration}), and otherwise is the sample app unchanged.
 *
 * <p>A line protocol on standard input and output: once started it prints {@code port=N}; to
 * {@code stats} it answers {@code stats cpu=NANOS allocated=BYTES compiled=MILLIS}, this JVM's CPU
 * time, the bytes its threads allocated so far and the time its JIT compilers spent; the
 * bytes its threads allocated so far; {@code stop} (or the end of input) stops it. Logs go to
 * standard error.
 */
public final class SampleAppServer {

    /**
     * Command-line properties, so that they win over the app's own {@code application.yml}; the
     * same for both apps.
     */
    private static final List<String> BENCHMARK_SETTINGS = List.of(
            "--server.address=127.0.0.1",
            "--server.port=0",
            // Keep-alive connections stay open for the whole run (Tomcat closes them after 100 by default).
            "--server.tomcat.max-keep-alive-requests=-1",
            // Every request of the fresh-key scenario adds an entry; the default bound would answer 503.
            "--idempotency.storage.memory.max-entries=50000000",
            // The actuator's own port (8081 in the app's configuration) must not clash between the two apps.
            "--management.server.port=0",
            // The app's readiness group names the idempotency health check, which does not exist when
            // idempotency is off; without this the off app refuses to start.
            "--management.endpoint.health.validate-group-membership=false",
            "--spring.main.banner-mode=off",
            "--spring.main.log-startup-info=false");

    private SampleAppServer() {
    }

    public static void main(String[] args) throws IOException {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class, FloorConfiguration.class)
                .run(Stream.concat(BENCHMARK_SETTINGS.stream(), Arrays.stream(args)).toArray(String[]::new));
        String port = context.getEnvironment().getProperty("local.server.port");
        // On standard error, with the progress: which server the app runs on (Tomcat, or Netty on WebFlux).
        System.err.println("sample app on " + ((WebServerApplicationContext) context).getWebServer().getClass().getSimpleName()
                + ", port " + port);
        System.out.println("port=" + port);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String command = commands.readLine(); command != null && !command.equals("stop");
                command = commands.readLine()) {
            if (command.equals("stats")) {
                System.out.println("stats cpu=" + cpuNanos() + " allocated=" + allocatedBytes() + " compiled="
                        + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
            }
        }
        context.close();
        System.exit(0);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Bytes allocated so far by every live thread; the request threads live for the whole run. */
    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, allocated);
        }
        return total;
    }
}
