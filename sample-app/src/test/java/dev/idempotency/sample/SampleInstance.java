package dev.idempotency.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * One sample application in its own JVM, started with the test's class path and arguments, its
 * output kept in {@code target/sample-instances/}. A test kills it (SIGKILL) or pauses it
 * (SIGSTOP) as a crash or a stall would; whatever is still running when the test JVM ends is
 * killed then.
 */
final class SampleInstance {

    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Path LOGS = Path.of("target", "sample-instances");
    /** How Java reports the exit of a process killed by signal 9: 128 + 9. */
    private static final int KILLED_BY_SIGKILL = 137;
    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();

    static {
        // Should the test JVM end before a test kills its instances, they must not outlive it.
        Runtime.getRuntime().addShutdownHook(new Thread(SampleInstance::killAll));
    }

    final SampleClient client;
    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private SampleInstance(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.client = new SampleClient(port);
    }

    /** Starts the application with {@code arguments} (command-line arguments, so they win over its YAML) on a free port. */
    static SampleInstance start(String name, String... arguments) throws IOException {
        int port = freePort();
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve("instance-" + name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                SampleApplication.class.getName(),
                "--server.port=" + port));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        STARTED.add(process);
        return new SampleInstance(name, process, port, log);
    }

    /** Waits until the application answers HTTP, failing fast when its JVM exits. */
    void awaitReady() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("Instance " + name + " exited with " + process.exitValue() + " while starting; see " + logs());
            }
            try {
                int status = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            }
            catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        fail("Instance " + name + " did not answer on port " + port + " within " + STARTUP + "; see " + logs());
    }

    /** {@code kill -9}: no shutdown hook, no graceful shutdown, no release of the key. */
    void killWithSigkill() throws InterruptedException {
        long pid = process.pid();
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("instance " + name + " (pid " + pid + ") ended").isTrue();
        assertThat(process.exitValue()).as("exit of instance " + name + ", killed by SIGKILL").isEqualTo(KILLED_BY_SIGKILL);
    }

    /** {@code kill -STOP}: every thread of the JVM stops, lease renewals included, as in a long pause. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** {@code kill -CONT}: the paused JVM carries on where it stopped. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -" + signal + " of instance " + name).isTrue();
    }

    /** Where this instance's output is. */
    Path logs() {
        return log.toAbsolutePath();
    }

    /** Kills every instance still running (a paused one included) and waits for each to end. */
    static void killAll() {
        for (Process child : STARTED) {
            child.destroyForcibly();
        }
        for (Process child : STARTED) {
            try {
                child.waitFor(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
