package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.support.NatsKeyValueUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.idempotency.testsupport.FaultSchedule;
import dev.idempotency.testsupport.FaultSchedule.Fault;
import dev.idempotency.testsupport.NatsCluster;
import dev.idempotency.testsupport.RetryWorkload;
import dev.idempotency.testsupport.StoreProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real three-node NATS JetStream cluster that this test starts (nats-server 2.9.10 on this
 * machine), with instances connected to different nodes. A bucket of one replica lives on one
 * node, and the others route every request to it. A replicated bucket is refused on servers older
 * than 2.9.21 (nats-server issue 4320), unless the override says otherwise.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NatsClusterTest {

    private static NatsCluster cluster;

    private final String bucket = "it-cluster-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = NatsCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReplicatedBucketOnAServerOlderThan2921FailsStartUpNamingTheIssueAndTheVersion() throws Exception {
        instanceOn(cluster.nodes().get(0)).withPropertyValues("idempotency.storage.nats.replicas=3")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("has 3 replicas on nats-server 2.9.10")
                        .hasMessageContaining("older than 2.9.21")
                        .hasMessageContaining("nats-server issue 4320")
                        .hasMessageContaining("idempotency.storage.nats.allow-unsafe-replicas"));

        try (Connection connection = Nats.connect(cluster.nodes().get(0).url("nats"))) {
            assertThatThrownBy(() -> connection.keyValueManagement().getStatus(bucket))
                    .as("the bucket refused is not created").isInstanceOf(JetStreamApiException.class);
        }
    }

    @Test
    void withTheOverrideAReplicatedBucketIsUsedAndTheRiskLogged(CapturedOutput output) {
        instanceOn(cluster.nodes().get(0)).withPropertyValues("idempotency.storage.nats.replicas=3",
                "idempotency.storage.nats.allow-unsafe-replicas=true").run(context -> {
                    assertThat(context).hasNotFailed();
                    Connection connection = context.getBean(Connection.class);
                    try {
                        assertThat(connection.keyValueManagement().getStatus(bucket).getReplicas()).isEqualTo(3);
                    }
                    finally {
                        connection.keyValueManagement().delete(bucket);
                    }
                });
        assertThat(output).contains("WARN").contains("nats-server issue 4320").contains("used anyway");
    }

    /**
     * Two instances, each connected to one of the nodes that do not hold the bucket's stream: every
     * request travels over the cluster's routes. The node one of them is connected to is killed
     * mid-run; that instance reconnects to another node, and the node comes back.
     */
    @Test
    void instancesOnDifferentNodesShareOneBucketThroughTheRoutesAndNoKeyRunsTwice() throws Exception {
        List<StoreProcess> routed = nodesWithoutTheStream();
        ApplicationContextRunner a = instanceOn(routed.get(0));
        ApplicationContextRunner b = instanceOn(routed.get(1));
        a.run(first -> b.run(second -> {
            RetryWorkload workload = new RetryWorkload(RetryWorkload.Plan.of("key", 600, 8, Duration.ofMillis(30),
                    Duration.ofMillis(50)).withCopies(2).fromSystemProperties(),
                    RetryWorkload.on(first, second));
            FaultSchedule.of(
                    Fault.afterSucceeded(60, "the node of the second instance killed", () -> routed.get(1).kill()),
                    Fault.after(Duration.ofSeconds(3), "the node back", () -> routed.get(1).restart()))
                    .run(workload);
            RetryWorkload.Report report = workload.finish(Duration.ofSeconds(30));
            System.out.println("[nats-cluster, replicas 1] " + report);

            report.assertEveryKeySucceededAndRanOnce();
            try (Connection connection = Nats.connect(routed.get(0).url("nats"))) {
                connection.keyValueManagement().delete(bucket);
            }
        }));
    }

    /**
     * The bucket is created first, from the first node; the two nodes that do not lead its stream.
     * A bucket of one replica has no followers, so those two hold none of it.
     */
    private List<StoreProcess> nodesWithoutTheStream() throws Exception {
        try (Connection connection = Nats.connect(cluster.nodes().get(0).url("nats"))) {
            connection.keyValueManagement().create(KeyValueConfiguration.builder(bucket)
                    .maxHistoryPerKey(1).ttl(Duration.ofHours(24)).build());
            JetStreamManagement management = connection.jetStreamManagement();
            String leader = management.getStreamInfo(NatsKeyValueUtil.toStreamName(bucket)).getClusterInfo()
                    .getLeader();
            List<StoreProcess> others = new ArrayList<>();
            for (int i = 0; i < cluster.nodes().size(); i++) {
                if (!("n" + (i + 1)).equals(leader)) {
                    others.add(cluster.nodes().get(i));
                }
            }
            return others;
        }
    }

    private ApplicationContextRunner instanceOn(StoreProcess node) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
                .withPropertyValues("idempotency.storage.type=nats", "idempotency.storage.nats.bucket=" + bucket,
                        "idempotency.storage.nats.servers=" + node.url("nats"), "idempotency.lease=10s",
                        "idempotency.storage.timeout=1s");
    }
}
