package dev.idempotency.sample;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;
import tools.jackson.databind.JsonNode;

import dev.idempotency.testsupport.TestServer;

import static dev.idempotency.sample.SampleClient.header;
import static dev.idempotency.sample.SampleClient.json;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two sample-app JVMs share one Redis. The instance running a request is killed with SIGKILL in
 * the middle of its handler: its key stays in progress until its lease ends (the other instance
 * answers 409), then the other instance takes the key over, runs the request exactly once, and
 * replays that one result from then on; or, with {@code idempotency.takeover=never}, refuses it
 * until an operator evicts the key through the actuator endpoint. Each child's output is kept in
 * {@code target/crash-takeover/}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CrashTakeoverTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String PREFIX = "it-crash-" + RUN + ".";
    private static final Duration LEASE = Duration.ofSeconds(2);

    private static TestServer redis;

    @BeforeAll
    static void resolveRedis() {
        redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
    }

    @AfterAll
    static void killInstancesAndRemoveKeys() {
        try {
            SampleInstance.killAll();
        }
        finally {
            if (redis != null) {
                new RedisKeys(redis).delete(PREFIX);
            }
        }
    }

    @Test
    void aKeyHeldByAKilledInstanceIsTakenOverAfterItsLeaseAndRunsExactlyOnce() throws Exception {
        SampleInstance a = start("a", PREFIX, "--sample.orders.processing-delay=30s");
        SampleInstance b = start("b", PREFIX);
        a.awaitReady();
        b.awaitReady();
        String key = UUID.randomUUID().toString();
        String body = order("crash", 1);

        CompletableFuture<HttpResponse<byte[]>> hanging = a.client.postAsync("/orders", key, body);
        awaitKeyInRedis(PREFIX);
        HttpResponse<byte[]> whileARuns = b.client.post("/orders", key, body);
        assertInProgress(whileARuns);

        a.killWithSigkill();
        assertThat(hanging).failsWithin(Duration.ofSeconds(10));
        long killedAt = System.nanoTime();

        HttpResponse<byte[]> rightAfterTheKill = b.client.post("/orders", key, body);
        assertInProgress(rightAfterTheKill);

        HttpResponse<byte[]> takeover = rightAfterTheKill;
        int conflictsAfterTheKill = 0;
        long deadline = killedAt + LEASE.plusSeconds(8).toNanos();
        while (takeover.statusCode() == 409 && System.nanoTime() < deadline) {
            conflictsAfterTheKill++;
            Thread.sleep(100);
            takeover = b.client.post("/orders", key, body);
        }
        Duration tookOverAfter = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.println("[crash-takeover] B took the key over " + tookOverAfter.toMillis() + " ms after the kill, "
                + conflictsAfterTheKill + " answers of 409 meanwhile");

        assertThat(takeover.statusCode()).as("B's answer once A's lease ended").isEqualTo(201);
        assertThat(header(takeover, "Idempotent-Replayed")).as("B ran it itself").isNull();
        assertThat(conflictsAfterTheKill).as("answers of 409 after the kill, before the lease ended").isPositive();
        JsonNode created = json(takeover);
        assertThat(created.get("item").asString()).isEqualTo("crash");

        for (int retry = 0; retry < 3; retry++) {
            HttpResponse<byte[]> replay = b.client.post("/orders", key, body);
            assertThat(replay.statusCode()).isEqualTo(201);
            assertThat(header(replay, "Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.body()).isEqualTo(takeover.body());
            assertThat(header(replay, "Location")).isEqualTo(header(takeover, "Location"));
        }

        JsonNode orders = json(b.client.get("/orders"));
        assertThat(orders.size()).as("orders on B").isEqualTo(1);
        assertThat(orders.get(0).get("id").asString()).isEqualTo(created.get("id").asString());
    }

    @Test
    void withTakeoverNeverAKeyHeldByAKilledInstanceIsRefusedUntilAnOperatorEvictsIt() throws Exception {
        int bManagementPort = SampleInstance.freePort();
        String prefix = PREFIX + "never.";
        SampleInstance a = start("never-a", prefix, "--idempotency.takeover=never",
                "--sample.orders.processing-delay=30s");
        SampleInstance b = start("never-b", prefix, "--idempotency.takeover=never",
                "--management.server.port=" + bManagementPort);
        a.awaitReady();
        b.awaitReady();
        SampleClient operator = new SampleClient(bManagementPort);
        String key = UUID.randomUUID().toString();
        String body = order("withdrawal", 1);

        CompletableFuture<HttpResponse<byte[]>> hanging = a.client.postAsync("/orders", key, body);
        awaitKeyInRedis(prefix);
        a.killWithSigkill();
        assertThat(hanging).failsWithin(Duration.ofSeconds(10));
        long killedAt = System.nanoTime();

        HttpResponse<byte[]> retry = b.client.post("/orders", key, body);
        long deadline = killedAt + LEASE.plusSeconds(8).toNanos();
        while (retry.statusCode() == 409 && problemType(retry).endsWith("request-in-progress")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
            retry = b.client.post("/orders", key, body);
        }
        long leaseOverAt = System.nanoTime();
        while (System.nanoTime() - leaseOverAt < LEASE.multipliedBy(2).toNanos()) {
            assertThat(retry.statusCode()).as("B's answer once A's lease ended").isEqualTo(409);
            assertThat(problemType(retry)).isEqualTo("urn:problem-type:idempotency:outcome-unknown");
            assertThat(header(retry, "Retry-After")).as("retrying does not help").isNull();
            Thread.sleep(200);
            retry = b.client.post("/orders", key, body);
        }
        assertThat(json(b.client.get("/orders")).size()).as("orders on B before the operator decided").isZero();
        assertThat(json(operator.get("/actuator/idempotency?key=" + key)).get("status").asString())
                .isEqualTo("abandoned");

        HttpResponse<byte[]> evicted = operator.delete("/actuator/idempotency?key=" + key);
        assertThat(json(evicted).get("evicted").asBoolean()).isTrue();

        HttpResponse<byte[]> afterEviction = b.client.post("/orders", key, body);
        assertThat(afterEviction.statusCode()).isEqualTo(201);
        assertThat(header(afterEviction, "Idempotent-Replayed")).isNull();
        assertThat(header(b.client.post("/orders", key, body), "Idempotent-Replayed")).isEqualTo("true");
        assertThat(json(b.client.get("/orders")).size()).as("orders on B").isEqualTo(1);
    }

    private static String problemType(HttpResponse<byte[]> response) {
        return json(response).path("type").asString("");
    }

    private static void assertInProgress(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as("answer while A holds the key").isEqualTo(409);
        assertThat(header(response, "Retry-After")).isNotNull();
        assertThat(new String(response.body())).contains("urn:problem-type:idempotency:request-in-progress");
    }

    /** A's claim is the only key written under this test's prefix. */
    private static void awaitKeyInRedis(String prefix) throws InterruptedException {
        RedisKeys keys = new RedisKeys(redis);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!keys.exist(prefix)) {
            if (System.nanoTime() > deadline) {
                fail("Instance A never claimed the key; see its output in target/sample-instances");
            }
            Thread.sleep(20);
        }
    }

    /** One instance on the redis profile, with the key prefix given and this test's lease. */
    private static SampleInstance start(String name, String keyPrefix, String... extraArguments) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("--spring.profiles.active=redis",
                "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(),
                "--idempotency.key-prefix=" + keyPrefix,
                "--idempotency.lease=" + LEASE.toSeconds() + "s"));
        arguments.addAll(List.of(extraArguments));
        return SampleInstance.start(name, arguments.toArray(String[]::new));
    }
}
