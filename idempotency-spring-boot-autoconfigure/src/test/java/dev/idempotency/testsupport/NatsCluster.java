package dev.idempotency.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;

/**
 * A JetStream cluster of three {@code nats-server -js} processes with routes to each other, which
 * this test starts on free ports of 127.0.0.1. Close it to kill every node it started, and only
 * those.
 */
public final class NatsCluster implements AutoCloseable {

    private static final Duration FORMED_TIMEOUT = Duration.ofSeconds(30);

    private final List<StoreProcess> nodes;

    private NatsCluster(List<StoreProcess> nodes) {
        this.nodes = nodes;
    }

    /** Starts three nodes and waits until each answers JetStream requests (a meta leader is elected). */
    public static NatsCluster start() throws IOException, InterruptedException {
        NatsCluster cluster = new NatsCluster(StoreProcess.natsClusterNodes(3));
        try {
            for (StoreProcess node : cluster.nodes) {
                cluster.awaitJetStream(node);
            }
            return cluster;
        }
        catch (IOException | InterruptedException | RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /** The nodes, in the order they were started. */
    public List<StoreProcess> nodes() {
        return nodes;
    }

    private void awaitJetStream(StoreProcess node) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + FORMED_TIMEOUT.toNanos();
        try (Connection connection = Nats.connect(node.url("nats"))) {
            while (true) {
                try {
                    connection.jetStreamManagement().getAccountStatistics();
                    return;
                }
                catch (JetStreamApiException | IOException ex) {
                    // "JetStream system temporarily unavailable" until the meta leader is elected.
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("The NATS cluster did not form within " + FORMED_TIMEOUT
                                + ": " + ex.getMessage() + "; the node's log:\n" + node.logTail(30), ex);
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    @Override
    public void close() {
        nodes.forEach(StoreProcess::close);
    }
}
