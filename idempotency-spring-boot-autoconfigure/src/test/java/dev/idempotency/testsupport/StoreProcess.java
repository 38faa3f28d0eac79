package dev.idempotency.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A store server this test starts as a child process on a free port, so the test can break it:
 * kill it ({@code SIGKILL}), freeze it ({@code SIGSTOP}) and thaw it ({@code SIGCONT}), and start
 * it again on the same port (a NATS server on the same storage directory, so its buckets
 * survive), while the application under test keeps its connection settings.
 *
 * <p>Processes rather than Testcontainers: a container could be paused and restarted too, but
 * the machines these tests run on have no Docker engine, while {@code redis-server} and
 * {@code nats-server} are installed. Either binary is looked up on the {@code PATH}.
 *
 * <p>Close it (in {@code @AfterAll}); a JVM shutdown hook kills the process as well, so a failed or
 * aborted run leaves no server behind.
 */
public final class StoreProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final int port;
    private final Path directory;
    private final List<String> command;
    private final Predicate<String> ready;
    private final Thread killOnExit = new Thread(this::killQuietly, "kill-store-process");
    private volatile Process process;
    private volatile boolean paused;

    private StoreProcess(String name, int port, Path directory, List<String> command, Predicate<String> ready) {
        this.name = name;
        this.port = port;
        this.directory = directory;
        this.command = command;
        this.ready = ready;
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Starts {@code redis-server} on a free port of 127.0.0.1, with no persistence. */
    public static StoreProcess redis() throws IOException {
        int port = freePort();
        Path directory = Files.createTempDirectory("redis-fault-");
        StoreProcess redis = new StoreProcess("redis-server", port, directory,
                List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", directory.toString()),
                greeting -> greeting.startsWith("+PONG"));
        return redis.startedOrClosed();
    }

    /**
     * Starts {@code redis-server} as a Redis Cluster node on a free port of 127.0.0.1, with its
     * cluster bus on another free port and a node timeout of {@code nodeTimeout}, after which its
     * replicas fail over when it is gone. The node joins no cluster yet: see {@link RedisCluster}.
     */
    public static StoreProcess redisClusterNode(Duration nodeTimeout) throws IOException {
        int port = freePort();
        int busPort = freePort();
        Path directory = Files.createTempDirectory("redis-cluster-");
        StoreProcess node = new StoreProcess("redis-server (cluster node)", port, directory,
                List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", directory.toString(), "--cluster-enabled", "yes",
                        "--cluster-port", Integer.toString(busPort), "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis())),
                greeting -> greeting.startsWith("+PONG"));
        return node.startedOrClosed();
    }

    /**
     * Starts {@code redis-server} on a free port of 127.0.0.1, with no persistence, as a replica of
     * {@code primary}, or as a primary when {@code primary} is {@code null}. Replicas synchronize
     * without waiting (no diskless-sync delay), so a replica is in sync a moment after it starts,
     * and a primary never drops a replica that lags (no output buffer limit).
     */
    public static StoreProcess redisReplicationNode(StoreProcess primary) throws IOException {
        int port = freePort();
        Path directory = Files.createTempDirectory("redis-replication-");
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                "--repl-diskless-sync-delay", "0", "--client-output-buffer-limit", "replica 0 0 0"));
        if (primary != null) {
            command.addAll(List.of("--replicaof", primary.host(), Integer.toString(primary.port())));
        }
        return new StoreProcess(primary == null ? "redis-server (primary)" : "redis-server (replica)", port,
                directory, command, greeting -> greeting.startsWith("+PONG")).startedOrClosed();
    }

    /**
     * Starts {@code redis-server --sentinel} on a free port of 127.0.0.1, monitoring {@code primary}
     * as {@code masterName} with a quorum of 2: it deems the primary down after {@code downAfter}
     * without an answer, and retries a failed failover after twice {@code failoverTimeout}.
     */
    public static StoreProcess redisSentinel(StoreProcess primary, String masterName, Duration downAfter,
            Duration failoverTimeout) throws IOException {
        int port = freePort();
        Path directory = Files.createTempDirectory("redis-sentinel-");
        // Sentinel rewrites its configuration file as it learns the topology, so it gets one of its own.
        Path configuration = directory.resolve("sentinel.conf");
        Files.writeString(configuration, String.join("\n",
                "port " + port,
                "bind 127.0.0.1",
                "dir " + directory,
                "sentinel monitor " + masterName + " " + primary.host() + " " + primary.port() + " 2",
                "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                "sentinel failover-timeout " + masterName + " " + failoverTimeout.toMillis(),
                "sentinel parallel-syncs " + masterName + " 1", ""));
        return new StoreProcess("redis-sentinel", port, directory,
                List.of("redis-server", configuration.toString(), "--sentinel"),
                greeting -> greeting.startsWith("+PONG")).startedOrClosed();
    }

    /** Starts {@code nats-server} with JetStream on a free port of 127.0.0.1, storing in a temporary directory. */
    public static StoreProcess natsJetStream() throws IOException {
        int port = freePort();
        Path directory = Files.createTempDirectory("nats-fault-");
        StoreProcess nats = new StoreProcess("nats-server", port, directory,
                List.of("nats-server", "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd",
                        directory.toString()),
                greeting -> greeting.startsWith("INFO ") && greeting.contains("\"jetstream\":true"));
        return nats.startedOrClosed();
    }

    /**
     * Starts {@code size} {@code nats-server -js} processes on free ports of 127.0.0.1, each with a
     * cluster port and routes to the others, named {@code n1}, {@code n2} and so on, storing in
     * temporary directories: a JetStream cluster, once its members elected a meta leader (see
     * {@link NatsCluster}).
     */
    public static List<StoreProcess> natsClusterNodes(int size) throws IOException {
        int[] clientPorts = new int[size];
        int[] clusterPorts = new int[size];
        for (int i = 0; i < size; i++) {
            clientPorts[i] = freePort();
            clusterPorts[i] = freePort();
        }
        List<StoreProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                List<String> routes = new ArrayList<>();
                for (int j = 0; j < size; j++) {
                    if (j != i) {
                        routes.add("nats://127.0.0.1:" + clusterPorts[j]);
                    }
                }
                Path directory = Files.createTempDirectory("nats-cluster-");
                nodes.add(new StoreProcess("nats-server (cluster node n" + (i + 1) + ")", clientPorts[i], directory,
                        List.of("nats-server", "-a", "127.0.0.1", "-p", Integer.toString(clientPorts[i]), "-js", "-sd",
                                directory.toString(), "--server_name", "n" + (i + 1), "--cluster_name", "idempotency",
                                "--cluster", "nats://127.0.0.1:" + clusterPorts[i], "--routes", String.join(",", routes)),
                        greeting -> greeting.startsWith("INFO ") && greeting.contains("\"jetstream\":true"))
                        .startedOrClosed());
            }
            return nodes;
        }
        catch (IOException | RuntimeException ex) {
            nodes.forEach(StoreProcess::close);
            throw ex;
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The server as {@code scheme://127.0.0.1:port}. */
    public String url(String scheme) {
        return scheme + "://" + host() + ":" + port;
    }

    /** Whether the server's process is alive (it may be paused). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Whether the server is frozen by {@link #pause()}. */
    public boolean isPaused() {
        return paused;
    }

    /** Kills the server with {@code SIGKILL} (no shutdown, no goodbye to clients) and waits until it is gone. */
    public void kill() throws InterruptedException {
        Process current = process;
        current.destroyForcibly();
        if (!current.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not die from SIGKILL");
        }
        paused = false;
    }

    /** Freezes the server with {@code SIGSTOP}: its connections stay open, nothing answers. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** Thaws a server frozen by {@link #pause()} with {@code SIGCONT}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    /** Starts the server again on the same port and directory; it must have been killed. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running; kill it first");
        }
        start();
    }

    /** Thaws or restarts the server as needed, so that it answers again. */
    public void ensureRunning() throws IOException, InterruptedException {
        if (!process.isAlive()) {
            start();
        }
        else if (paused) {
            resume();
        }
    }

    /** The last {@code lines} lines the server logged, all of its runs included: for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(directory.resolve("server.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException ex) {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        killQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
        catch (IllegalStateException ex) {
            // The JVM is already shutting down; the hook runs anyway.
        }
        deleteDirectory();
    }

    private StoreProcess startedOrClosed() throws IOException {
        try {
            start();
            return this;
        }
        catch (IOException | RuntimeException ex) {
            close();
            throw ex;
        }
        catch (InterruptedException ex) {
            close();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting " + name, ex);
        }
    }

    private void start() throws IOException, InterruptedException {
        Path log = directory.resolve("server.log");
        // The output goes to a file: a pipe nobody reads would block the server once full.
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        paused = false;
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not start on port " + port + "; its log:\n"
                        + Files.readString(log));
            }
            Thread.sleep(25);
        }
    }

    /** Whether the server greets a new connection as a ready one: Redis answers PING, NATS sends INFO. */
    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            int read = in.read(buffer);
            return read > 0 && ready.test(new String(buffer, 0, read, StandardCharsets.US_ASCII));
        }
        catch (IOException ex) {
            return false;
        }
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    private void killQuietly() {
        Process current = process;
        if (current == null) {
            return;
        }
        // SIGKILL also ends a process stopped by SIGSTOP.
        current.destroyForcibly();
        try {
            current.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        catch (IOException ex) {
            // A temporary directory; the operating system clears it eventually.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
