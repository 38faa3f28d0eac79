package dev.idempotency.testsupport;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis primary with one replica, and optionally three Sentinels watching them (quorum 2), all
 * {@code redis-server} processes this test starts on free ports of 127.0.0.1. The replica can be
 * paused with {@code SIGSTOP} so that it lags, the primary killed with {@code SIGKILL}; the
 * Sentinels then promote the replica, and {@link #rejoinAsReplica} brings the killed node back as
 * the new primary's replica, so that writes waiting for a replica can be acknowledged again.
 * Close it to kill every process it started, and only those.
 */
public final class RedisReplication implements AutoCloseable {

    /** The name the Sentinels know the primary by, as {@code spring.data.redis.sentinel.master} takes it. */
    public static final String MASTER_NAME = "idempotency";

    private static final Duration FORMED_TIMEOUT = Duration.ofSeconds(30);

    private final List<StoreProcess> nodes = new ArrayList<>();
    private final List<StoreProcess> sentinels = new ArrayList<>();

    private RedisReplication() {
    }

    /** Starts a primary and its replica, waiting until the replica is in sync. */
    public static RedisReplication start() throws IOException, InterruptedException {
        return start(0, Duration.ZERO);
    }

    /**
     * Starts a primary, its replica and {@code sentinelCount} Sentinels, waiting until the replica
     * is in sync and every Sentinel knows the replica and the other Sentinels.
     *
     * @param downAfter how long the Sentinels wait for an answer before they deem a node down
     */
    public static RedisReplication start(int sentinelCount, Duration downAfter) throws IOException,
            InterruptedException {
        RedisReplication replication = new RedisReplication();
        try {
            StoreProcess primary = StoreProcess.redisReplicationNode(null);
            replication.nodes.add(primary);
            replication.nodes.add(StoreProcess.redisReplicationNode(primary));
            for (int i = 0; i < sentinelCount; i++) {
                // A failed failover is retried after twice this; a short one keeps the test's failover bounded.
                replication.sentinels.add(StoreProcess.redisSentinel(primary, MASTER_NAME, downAfter,
                        Duration.ofSeconds(3)));
            }
            replication.awaitHealthy(FORMED_TIMEOUT);
            return replication;
        }
        catch (IOException | InterruptedException | RuntimeException ex) {
            replication.close();
            throw ex;
        }
    }

    /** The Sentinels, as {@code spring.data.redis.sentinel.nodes} takes them. */
    public String sentinelAddresses() {
        return String.join(",", sentinels.stream().map(sentinel -> sentinel.host() + ":" + sentinel.port()).toList());
    }

    /** The live node that is primary now. */
    public StoreProcess primary() throws IOException, InterruptedException {
        return nodeInRole("master");
    }

    /** The live node that is a replica now. */
    public StoreProcess replica() throws IOException, InterruptedException {
        return nodeInRole("slave");
    }

    private StoreProcess nodeInRole(String role) throws IOException, InterruptedException {
        for (StoreProcess node : nodes) {
            if (node.isAlive() && !node.isPaused() && RedisCli.run(node, "role").startsWith(role)) {
                return node;
            }
        }
        throw new IllegalStateException("No live Redis node is " + role + "; a Sentinel's log:\n"
                + (sentinels.isEmpty() ? "(none)" : sentinels.get(0).logTail(30)));
    }

    /**
     * Waits until exactly one node is primary with its replica in sync and, with Sentinels, until every
     * Sentinel names that primary and knows its replica and the two other Sentinels.
     */
    public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis replication did not become healthy within " + timeout
                        + "; the nodes' logs:\n" + nodes.get(0).logTail(20) + "\n" + nodes.get(1).logTail(20)
                        + "\na Sentinel's log:\n" + (sentinels.isEmpty() ? "(none)" : sentinels.get(0).logTail(30)));
            }
            Thread.sleep(100);
        }
    }

    private boolean healthy() throws IOException, InterruptedException {
        StoreProcess primary = null;
        for (StoreProcess node : nodes) {
            if (!node.isAlive() || node.isPaused()) {
                return false;
            }
            String replication = RedisCli.run(node, "info", "replication");
            if (replication.contains("role:master")) {
                if (primary != null) {
                    return false;
                }
                primary = node;
            }
            else if (!replication.contains("master_link_status:up")) {
                return false;
            }
        }
        if (primary == null) {
            return false;
        }
        for (StoreProcess sentinel : sentinels) {
            String master = RedisCli.run(sentinel, "sentinel", "master", MASTER_NAME);
            if (!field(master, "port").equals(Integer.toString(primary.port())) || !field(master, "num-slaves").equals("1")
                    || !field(master, "num-other-sentinels").equals(Integer.toString(sentinels.size() - 1))
                    || !field(master, "flags").equals("master")) {
                return false;
            }
        }
        return true;
    }

    /** The value after {@code name} in a Sentinel's one-line-per-item answer. */
    private static String field(String answer, String name) {
        String[] lines = answer.split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].equals(name)) {
                return lines[i + 1];
            }
        }
        return "";
    }

    /**
     * Writes {@code megabytes} of filler to the primary. A replica paused with SIGSTOP still
     * receives: the kernel fills its socket's buffers (tens of megabytes on loopback), and once
     * thawed it would read every write made meanwhile, even after the primary died. Filler that
     * fills those buffers keeps what is written after it in the primary's own replication buffer,
     * lost with the primary: the replica lags for real.
     */
    public void fillReplicationLink(StoreProcess primary, int megabytes) throws IOException {
        byte[] value = new byte[1 << 20];
        try (Socket socket = new Socket(primary.host(), primary.port())) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            for (int i = 0; i < megabytes; i++) {
                String key = "filler-" + i;
                out.write(("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + value.length + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(value);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < megabytes; i++) {
                // Each answer is "+OK\r\n".
                if (in.readNBytes(5).length != 5) {
                    throw new IOException("The primary closed the connection while filler was written");
                }
            }
        }
    }

    /**
     * Waits until the Sentinels promoted a node other than {@code formerPrimary} and it answers as
     * primary.
     *
     * @return the new primary
     */
    public StoreProcess awaitFailoverFrom(StoreProcess formerPrimary, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (StoreProcess node : nodes) {
                if (node != formerPrimary && node.isAlive() && !node.isPaused() && promotedBySentinels(node)) {
                    return node;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("The Sentinels promoted no replica within " + timeout + "; a Sentinel's log:\n"
                + sentinels.get(0).logTail(30));
    }

    private boolean promotedBySentinels(StoreProcess node) throws IOException, InterruptedException {
        if (!RedisCli.run(node, "role").startsWith("master")) {
            return false;
        }
        for (StoreProcess sentinel : sentinels) {
            if (!RedisCli.run(sentinel, "sentinel", "get-master-addr-by-name", MASTER_NAME)
                    .contains("\n" + node.port())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Starts the killed {@code node} again, empty, as the replica of {@code primary} (what the
     * Sentinels would make of it too, on their next look), and waits until it is in sync.
     */
    public void rejoinAsReplica(StoreProcess node, StoreProcess primary) throws IOException, InterruptedException {
        node.restart();
        RedisCli.run(node, "replicaof", primary.host(), Integer.toString(primary.port()));
        awaitHealthy(FORMED_TIMEOUT);
    }

    @Override
    public void close() {
        sentinels.forEach(StoreProcess::close);
        nodes.forEach(StoreProcess::close);
    }
}
