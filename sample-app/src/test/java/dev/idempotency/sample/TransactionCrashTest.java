package dev.idempotency.sample;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;

import dev.idempotency.testsupport.TestServer;

import static dev.idempotency.sample.SampleClient.header;
import static dev.idempotency.sample.SampleClient.json;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two sample JVMs with their orders in one PostgreSQL database, each order created in a
 * transaction, and the order rows counted in the database:
 * <ul>
 * <li>the instance running a request is killed (SIGKILL) after its order's transaction committed
 * and before its response was stored ({@code sample.orders.after-commit-delay}): with the keys in
 * the same database, the retry on the other instance finds the committed mark and never creates a
 * second order; with the keys in Redis, it creates one once the dead instance's lease ends;</li>
 * <li>the instance running a request is paused (SIGSTOP) inside its order's transaction until its
 * lease ends, and the other instance takes the key over and creates its order: when the paused one
 * resumes, its commit is refused (keys in the database; keys in Redis with
 * {@code idempotency.transaction-fence}), and the new owner's order is the only one.</li>
 * </ul>
 * Each child's output is kept in {@code target/sample-instances/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransactionCrashTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String runPrefix = "it-tx-crash-" + run + "-";
    private int tests;
    /**
     * This test's own key prefix: "A claimed the key" is read as "a key exists under it", so the keys
     * an earlier test of the class left must not be under it.
     */
    private String keyPrefix;
    private SampleDatabase database;
    private TestServer redis;

    @BeforeAll
    void createTablesAndFindRedis() {
        database = new SampleDatabase();
        redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
    }

    @BeforeEach
    void newKeyPrefix() {
        keyPrefix = runPrefix + ++tests + ".";
    }

    @AfterEach
    void killInstances() {
        SampleInstance.killAll();
    }

    @AfterAll
    void deleteOrdersAndKeys() {
        if (database != null) {
            database.deleteRun(run, runPrefix);
            database.close();
        }
        new RedisKeys(redis).delete(runPrefix);
    }

    @Test
    void withTheKeysInTheDatabaseARetryAfterTheHoldersOrderCommittedNeverCreatesASecond() throws Exception {
        String item = "committed-then-killed-" + run;
        SampleInstance b = killedAfterItsOrderCommitted(item, keys("jdbc"));

        HttpResponse<byte[]> rightAfterTheKill = b.client.post("/orders", key(item), order(item, 1));
        Thread.sleep(LEASE.multipliedBy(2).toMillis());
        HttpResponse<byte[]> pastTheLease = b.client.post("/orders", key(item), order(item, 1));

        assertNotReplayable(rightAfterTheKill);
        assertNotReplayable(pastTheLease);
        assertThat(database.orders(item)).as("orders in PostgreSQL").isOne();
    }

    @Test
    void withTheKeysInRedisARetryAfterTheHoldersOrderCommittedCreatesASecondOnceTheLeaseEnds() throws Exception {
        String item = "committed-then-killed-redis-" + run;
        SampleInstance b = killedAfterItsOrderCommitted(item, keys("redis"));
        long killedAt = System.nanoTime();

        HttpResponse<byte[]> retry = b.client.post("/orders", key(item), order(item, 1));
        while (retry.statusCode() == 409 && System.nanoTime() - killedAt < LEASE.plusSeconds(10).toNanos()) {
            Thread.sleep(100);
            retry = b.client.post("/orders", key(item), order(item, 1));
        }

        // What the README states for Redis: the commit and the stored response are two writes to two
        // stores, and nothing records the first in the second.
        assertThat(retry.statusCode()).as("B once A's lease ended").isEqualTo(201);
        assertThat(header(retry, "Idempotent-Replayed")).isNull();
        assertThat(database.orders(item)).as("orders in PostgreSQL").isEqualTo(2);
        System.out.println("[transaction-crash] keys in Redis: the holder was killed after its order committed; "
                + "once its lease ended the retry created a second order (" + database.orders(item) + " rows)");
    }

    @Test
    void withTheKeysInTheDatabaseAHolderPausedPastItsLeaseCannotCommitItsOrder() throws Exception {
        String item = "paused-" + run;
        assertOnlyTheNewOwnersOrderCommits(item, keys("jdbc"), () -> database.claimed(keyPrefix));
    }

    @Test
    void withTheKeysInRedisAndTheFenceAHolderPausedPastItsLeaseCannotCommitItsOrder() throws Exception {
        String item = "paused-redis-" + run;
        List<String> arguments = keys("redis");
        arguments.add("--idempotency.transaction-fence=true");
        assertOnlyTheNewOwnersOrderCommits(item, arguments, this::claimedInRedis);
    }

    /**
     * Instance A creates the order and is killed once it committed, before its response is
     * stored.
     *
     * @return instance B, ready to retry
     */
    private SampleInstance killedAfterItsOrderCommitted(String item, List<String> keys) throws Exception {
        SampleInstance a = start("a-" + item, keys, "--sample.orders.after-commit-delay=60s");
        SampleInstance b = start("b-" + item, keys);
        a.awaitReady();
        b.awaitReady();

        CompletableFuture<HttpResponse<byte[]>> hanging = a.client.postAsync("/orders", key(item), order(item, 1));
        await(() -> database.orders(item) == 1, "A never committed its order", a);
        a.killWithSigkill();
        assertThat(hanging).failsWithin(Duration.ofSeconds(10));
        return b;
    }

    private void assertOnlyTheNewOwnersOrderCommits(String item, List<String> keys, BooleanSupplier claimed)
            throws Exception {
        SampleInstance a = start("a-" + item, keys, "--sample.orders.processing-delay=8s");
        SampleInstance b = start("b-" + item, keys);
        a.awaitReady();
        b.awaitReady();

        CompletableFuture<HttpResponse<byte[]>> stalled = a.client.postAsync("/orders", key(item), order(item, 1));
        await(claimed, "A never claimed the key", a);
        // A's transaction begins at once after its claim; it then spends the processing delay inside it.
        Thread.sleep(500);
        a.pause();
        Thread.sleep(LEASE.plusSeconds(1).toMillis());
        HttpResponse<byte[]> takeover = b.client.post("/orders", key(item), order(item, 1));
        a.resume();
        HttpResponse<byte[]> staleAnswer = stalled.get(60, TimeUnit.SECONDS);

        assertThat(takeover.statusCode()).as("B, once A's lease ended").isEqualTo(201);
        assertThat(header(takeover, "Idempotent-Replayed")).isNull();
        assertThat(staleAnswer.statusCode()).as("A, whose commit was refused").isEqualTo(409);
        assertThat(json(staleAnswer).get("type").asString()).endsWith("request-in-progress");
        assertThat(database.orders(item)).as("orders in PostgreSQL").isOne();
        assertThat(database.orderId(item).toString()).isEqualTo(json(takeover).get("id").asString());
        HttpResponse<byte[]> replay = a.client.post("/orders", key(item), order(item, 1));
        assertThat(replay.body()).as("A's retry gets B's order").isEqualTo(takeover.body());
    }

    /** The key arguments: {@code jdbc} (in the orders' database) or {@code redis}. */
    private List<String> keys(String storage) {
        List<String> arguments = new ArrayList<>(List.of(database.arguments()));
        arguments.add("--spring.profiles.active=" + ("jdbc".equals(storage) ? "jdbc" : "jdbc,redis"));
        arguments.add("--idempotency.storage.type=" + storage);
        arguments.add("--spring.data.redis.host=" + redis.host());
        arguments.add("--spring.data.redis.port=" + redis.port());
        return arguments;
    }

    private SampleInstance start(String name, List<String> keys, String... extra) throws IOException {
        List<String> arguments = new ArrayList<>(keys);
        arguments.add("--idempotency.key-prefix=" + keyPrefix);
        arguments.add("--idempotency.lease=" + LEASE.toSeconds() + "s");
        arguments.addAll(List.of(extra));
        return SampleInstance.start(name, arguments.toArray(String[]::new));
    }

    /** One key per item, so each test has its own. */
    private static String key(String item) {
        return UUID.nameUUIDFromBytes(item.getBytes()).toString();
    }

    private boolean claimedInRedis() {
        return new RedisKeys(redis).exist(keyPrefix);
    }

    private static void assertNotReplayable(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json(response).get("type").asString()).endsWith("response-not-replayable");
        assertThat(header(response, "Retry-After")).as("it will not run again").isNull();
    }

    private static void await(BooleanSupplier condition, String failure, SampleInstance instance)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(failure + "; see " + instance.logs());
            }
            Thread.sleep(20);
        }
    }
}
