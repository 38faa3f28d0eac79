package dev.idempotency.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Finds the real server a test talks to, in this order: a Testcontainers container when a Docker
 * engine is available; else the URL in an environment variable; else the default port on
 * 127.0.0.1 when it answers. When none answers, the test fails with a message naming all three;
 * it never skips.
 */
public record TestServer(String host, int port) {

    private static final Map<String, TestServer> RESOLVED = new ConcurrentHashMap<>();

    /**
     * Resolves the server once per JVM.
     *
     * @param name what the server is, for the failure message (for example {@code Redis})
     * @param environmentVariable the variable holding a URL such as {@code redis://host:port}
     * @param defaultPort the port tried on 127.0.0.1
     * @param container a container exposing {@code defaultPort}, started only when Docker exists
     */
    public static TestServer resolve(String name, String environmentVariable, int defaultPort,
            Supplier<GenericContainer<?>> container) {
        return RESOLVED.computeIfAbsent(name, n -> find(name, environmentVariable, defaultPort, container));
    }

    private static TestServer find(String name, String environmentVariable, int defaultPort,
            Supplier<GenericContainer<?>> container) {
        if (dockerAvailable()) {
            GenericContainer<?> started = container.get();
            started.start();
            return new TestServer(started.getHost(), started.getMappedPort(defaultPort));
        }
        String url = System.getenv(environmentVariable);
        if (url != null && !url.isBlank()) {
            URI uri = URI.create(url.trim());
            TestServer server = new TestServer(uri.getHost(), uri.getPort() == -1 ? defaultPort : uri.getPort());
            if (!server.answers()) {
                throw new IllegalStateException(name + " at " + environmentVariable + "=" + url
                        + " does not answer. " + howToProvide(name, environmentVariable, defaultPort));
            }
            return server;
        }
        TestServer local = new TestServer("127.0.0.1", defaultPort);
        if (local.answers()) {
            return local;
        }
        throw new IllegalStateException("No " + name + " server for the tests. "
                + howToProvide(name, environmentVariable, defaultPort));
    }

    private static String howToProvide(String name, String environmentVariable, int defaultPort) {
        return "Provide one of: (1) a Docker engine, so Testcontainers starts " + name + "; (2) "
                + environmentVariable + " set to the URL of a running " + name + "; (3) " + name
                + " listening on 127.0.0.1:" + defaultPort + " (see .ci/run for the command that starts it).";
    }

    /**
     * Asks Testcontainers only where a Docker engine may be (a {@code DOCKER_HOST}, a Docker socket,
     * a Testcontainers configuration, or Windows' named pipe): it logs an ERROR in every JVM that
     * has none, which would read as a failure in a passing build's log.
     */
    private static boolean dockerAvailable() {
        Path home = Path.of(System.getProperty("user.home"));
        boolean mayHaveDocker = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(home.resolve(".docker/run/docker.sock"))
                || Files.exists(home.resolve(".testcontainers.properties"))
                || System.getProperty("os.name", "").startsWith("Windows");
        if (!mayHaveDocker) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException ex) {
            return false;
        }
    }

    /** Whether a TCP connection to the server succeeds within a second. */
    public boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    /** The server as {@code scheme://host:port}. */
    public String url(String scheme) {
        return scheme + "://" + host + ":" + port;
    }
}
