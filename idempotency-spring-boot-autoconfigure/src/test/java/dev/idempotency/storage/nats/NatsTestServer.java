package dev.idempotency.storage.nats;

import java.io.IOException;
import java.util.UUID;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.StatisticsCollector;
import org.testcontainers.containers.GenericContainer;

import dev.idempotency.testsupport.TestServer;

/** The real NATS server with JetStream that the tests talk to, and throwaway buckets on it. */
public final class NatsTestServer {

    private NatsTestServer() {
    }

    public static Connection connect() throws IOException, InterruptedException {
        return Nats.connect(url());
    }

    /** A connection whose requests and answers {@code statistics} counts (and may hold back). */
    public static Connection connect(StatisticsCollector statistics) throws IOException, InterruptedException {
        return Nats.connect(new Options.Builder().server(url()).statisticsCollector(statistics).build());
    }

    private static String url() {
        TestServer server = TestServer.resolve("NATS", "IDEMPOTENCY_TEST_NATS_URL", 4222,
                () -> new GenericContainer<>("nats:2.10-alpine").withCommand("-js").withExposedPorts(4222));
        return server.url("nats");
    }

    /** A bucket name no other test run uses. */
    public static String bucketName() {
        return "idempotency-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static void deleteBucket(Connection connection, String bucket) throws IOException {
        try {
            connection.keyValueManagement().delete(bucket);
        }
        catch (JetStreamApiException ex) {
            // Already gone, or never created because the test failed first.
        }
    }
}
