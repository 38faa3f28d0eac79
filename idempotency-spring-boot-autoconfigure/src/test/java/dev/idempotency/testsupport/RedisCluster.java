package dev.idempotency.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster of three masters with one replica each, six {@code redis-server} processes this
 * test starts on free ports of 127.0.0.1 and joins with {@code redis-cli --cluster create}. A
 * master can be killed with {@code SIGKILL}; its replica is promoted once the cluster's node
 * timeout has passed. Close it to kill every node it started, and only those.
 */
public final class RedisCluster implements AutoCloseable {

    private static final Duration FORMED_TIMEOUT = Duration.ofSeconds(30);

    private final List<StoreProcess> nodes;

    private RedisCluster(List<StoreProcess> nodes) {
        this.nodes = nodes;
    }

    /**
     * Starts six nodes and forms the cluster, waiting until every node reports it healthy.
     *
     * @param nodeTimeout how long a master may be unreachable before its replica takes over
     */
    public static RedisCluster start(Duration nodeTimeout) throws IOException, InterruptedException {
        List<StoreProcess> nodes = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(nodes);
        try {
            for (int i = 0; i < 6; i++) {
                nodes.add(StoreProcess.redisClusterNode(nodeTimeout));
            }
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            nodes.forEach(node -> create.add(node.host() + ":" + node.port()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            RedisCli.run(nodes.get(0), create.toArray(String[]::new));
            cluster.awaitHealthy(FORMED_TIMEOUT);
            return cluster;
        }
        catch (IOException | InterruptedException | RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /** The seed nodes, as {@code spring.data.redis.cluster.nodes} takes them. */
    public String nodeAddresses() {
        return String.join(",", nodes.stream().map(node -> node.host() + ":" + node.port()).toList());
    }

    /** The nodes alive that are masters now. */
    public List<StoreProcess> masters() throws IOException, InterruptedException {
        List<StoreProcess> masters = new ArrayList<>();
        for (StoreProcess node : nodes) {
            if (node.isAlive() && !node.isPaused() && RedisCli.run(node, "role").startsWith("master")) {
                masters.add(node);
            }
        }
        return masters;
    }

    /** The live replica of {@code master}. */
    public StoreProcess replicaOf(StoreProcess master) throws IOException, InterruptedException {
        for (StoreProcess node : nodes) {
            if (node.isAlive() && !node.isPaused()
                    && RedisCli.run(node, "role").startsWith("slave\n" + master.host() + "\n" + master.port() + "\n")) {
                return node;
            }
        }
        throw new IllegalStateException("No live replica of the master on port " + master.port());
    }

    /** The node listening on {@code port}. */
    public StoreProcess node(int port) {
        return nodes.stream().filter(node -> node.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No node of this cluster listens on " + port));
    }

    /**
     * Waits until three live masters serve every slot, every live node reports
     * {@code cluster_state:ok}, and every live replica is in sync with its master (a replica that
     * never synchronized does not take over): after a master was killed, until its replica took
     * over. A paused node counts as unhealthy.
     */
    public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The Redis Cluster did not become healthy within " + timeout
                        + "; first node's log:\n" + nodes.get(0).logTail(30));
            }
            Thread.sleep(100);
        }
    }

    private boolean healthy() throws IOException, InterruptedException {
        if (masters().size() < 3) {
            return false;
        }
        for (StoreProcess node : nodes) {
            if (node.isPaused()) {
                return false;
            }
            if (!node.isAlive()) {
                continue;
            }
            String info = RedisCli.run(node, "cluster", "info");
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                return false;
            }
            String replication = RedisCli.run(node, "info", "replication");
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        nodes.forEach(StoreProcess::close);
    }
}
