package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.testsupport.FaultSchedule;
import dev.idempotency.testsupport.FaultSchedule.Fault;
import dev.idempotency.testsupport.RetryWorkload;
import dev.idempotency.testsupport.StoreProcess;


/**
 * The fault workload on single servers that this test starts: two instances, two clients per
 * key, while a Redis server is paused with SIGSTOP and thawed, and while a NATS JetStream server
 * (file storage) is killed with SIGKILL and restarted on the same directory. Neither loses what
 * it acknowledged, so no key runs twice; the instances answer storage errors meanwhile and
 * recover without a restart.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StandaloneFaultTest {

    private static final Duration OUTAGE = Duration.ofSeconds(2);

    private static StoreProcess redis;
    private static StoreProcess nats;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startServers() throws Exception {
        redis = StoreProcess.redis();
        nats = StoreProcess.natsJetStream();
    }

    @AfterAll
    static void stopServers() {
        if (redis != null) {
            redis.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void aRedisServerPausedAndThawedLosesNothingAndNoKeyRunsTwice() throws Exception {
        ApplicationContextRunner instance = instance("idempotency.storage.type=redis",
                "spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port());
        RetryWorkload.Report report = underFaults(instance,
                Fault.afterSucceeded(40, "the server paused", redis::pause),
                Fault.after(OUTAGE, "the server thawed", redis::resume));
        System.out.println("[redis-standalone] " + report);

        report.assertEveryKeySucceededAndRanOnce();
    }

    @Test
    void aNatsServerKilledAndRestartedLosesNothingAndNoKeyRunsTwice() throws Exception {
        ApplicationContextRunner instance = instance("idempotency.storage.type=nats",
                "idempotency.storage.nats.servers=" + nats.url("nats"), "idempotency.storage.nats.bucket=it-" + run);
        RetryWorkload.Report report = underFaults(instance,
                Fault.afterSucceeded(40, "the server killed", nats::kill),
                Fault.after(OUTAGE, "the server restarted", nats::restart));
        System.out.println("[nats-standalone] " + report);

        report.assertEveryKeySucceededAndRanOnce();
    }

    private static RetryWorkload.Report underFaults(ApplicationContextRunner instance, Fault... faults)
            throws Exception {
        RetryWorkload.Report[] report = new RetryWorkload.Report[1];
        instance.run(a -> instance.run(b -> {
            RetryWorkload workload = new RetryWorkload(RetryWorkload.Plan.of("key", 400, 8, Duration.ofMillis(30),
                    Duration.ofMillis(50)).withCopies(2).fromSystemProperties(),
                    RetryWorkload.on(a, b));
            FaultSchedule.of(faults).run(workload);
            report[0] = workload.finish(Duration.ofSeconds(30));
        }));
        return report[0];
    }

    private ApplicationContextRunner instance(String... store) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                        DataRedisAutoConfiguration.class))
                .withPropertyValues("idempotency.key-prefix=it-standalone-" + run + ".", "idempotency.lease=10s",
                        "idempotency.storage.timeout=1s")
                .withPropertyValues(store);
    }
}
