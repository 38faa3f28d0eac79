package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.testsupport.FaultSchedule;
import dev.idempotency.testsupport.FaultSchedule.Fault;
import dev.idempotency.testsupport.RedisReplication;
import dev.idempotency.testsupport.RetryWorkload;
import dev.idempotency.testsupport.StoreProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application instances on a real Redis primary, its replica and three Sentinels that this
 * test starts, configured only by Boot's {@code spring.data.redis.sentinel.*}, while clients
 * retry their keys across both instances, two clients per key. The replica is paused with
 * SIGSTOP and, behind filler that fills the socket buffers it would still receive into, lags;
 * then the primary is killed, the replica thawed and promoted by the Sentinels, and the killed
 * node brought back as the new primary's replica. Redis replicates
 * asynchronously: what the primary acknowledged during the lag is gone after the failover, and
 * without replica acknowledgements the keys claimed or completed then run again. With
 * {@code replica-acks: 1}, nothing the replica did not have counted as claimed or completed, and
 * no key runs twice.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedisSentinelFailoverTest {

    /**
     * Longer than the replica's pause, so the Sentinels never deem the paused replica down: they
     * keep its link as it was, and after they promote it, deemed it down at once (its old link's
     * last answer predates the pause) and failed over again, to the node just back.
     */
    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    /** How long the replica lags behind the primary before the primary is killed. */
    private static final Duration LAG = Duration.ofMillis(1500);
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);
    /** More than the socket buffers between the primary and its paused replica hold on loopback. */
    private static final int FILLER_MEGABYTES = 64;

    private static RedisReplication replication;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startReplication() throws Exception {
        replication = RedisReplication.start(3, DOWN_AFTER);
    }

    @AfterAll
    static void stopReplication() {
        if (replication != null) {
            replication.close();
        }
    }

    /** The test before may have failed over; every scenario starts with a primary and a replica in sync. */
    @BeforeEach
    void awaitHealthy() throws Exception {
        replication.awaitHealthy(FAILOVER_BOUND);
    }

    @Test
    void withoutReplicaAcksTheClaimsAndCompletionsLostWithTheLaggingReplicaRunAgain() throws Exception {
        RetryWorkload.Report report = failOverWhileTheReplicaLags(instance());
        System.out.println("[redis-sentinel, replica-acks 0] " + report);

        assertThat(report.succeeded()).as("keys that succeeded: " + report).isEqualTo(report.keys());
    }

    @Test
    void withReplicaAcksNoKeyRunsTwice() throws Exception {
        RetryWorkload.Report report = failOverWhileTheReplicaLags(instance()
                .withPropertyValues("idempotency.storage.redis.replica-acks=1",
                        "idempotency.storage.redis.replica-ack-timeout=200ms"));
        System.out.println("[redis-sentinel, replica-acks 1] " + report);

        report.assertEveryKeySucceededAndRanOnce();
    }

    private RetryWorkload.Report failOverWhileTheReplicaLags(ApplicationContextRunner instance) throws Exception {
        List<RetryWorkload.Report> report = new ArrayList<>();
        instance.run(a -> instance.run(b -> {
            RetryWorkload workload = new RetryWorkload(RetryWorkload.Plan.of("key", 600, 16, Duration.ofMillis(100),
                    Duration.ofMillis(50)).withCopies(2).fromSystemProperties(),
                    RetryWorkload.on(a, b));
            StoreProcess[] nodes = new StoreProcess[3];
            FaultSchedule.of(
                    Fault.afterSucceeded(40, "the replica paused", () -> {
                        // A long run repeats the schedule: the Sentinels may still be settling the last failover.
                        replication.awaitHealthy(FAILOVER_BOUND);
                        nodes[0] = replication.primary();
                        nodes[1] = replication.replica();
                        nodes[1].pause();
                        replication.fillReplicationLink(nodes[0], FILLER_MEGABYTES);
                    }),
                    Fault.after(LAG, "the primary killed, the lagging replica thawed", () -> {
                        nodes[0].kill();
                        nodes[1].resume();
                    }),
                    Fault.after(Duration.ZERO, "the replica promoted by the Sentinels",
                            () -> nodes[2] = replication.awaitFailoverFrom(nodes[0], FAILOVER_BOUND)),
                    Fault.after(Duration.ZERO, "the killed primary back, as a replica in sync",
                            () -> replication.rejoinAsReplica(nodes[0], nodes[2])))
                    .run(workload);
            report.add(workload.finish(FAILOVER_BOUND));
        }));
        return report.get(0);
    }

    private ApplicationContextRunner instance() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                        DataRedisAutoConfiguration.class))
                .withPropertyValues("idempotency.storage.type=redis", "idempotency.key-prefix=it-sentinel-" + run + ".",
                        "idempotency.storage.timeout=1s",
                        "spring.data.redis.sentinel.master=" + RedisReplication.MASTER_NAME,
                        "spring.data.redis.sentinel.nodes=" + replication.sentinelAddresses());
    }
}
