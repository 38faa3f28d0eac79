package dev.idempotency.storage.nats;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsIdempotencyStorageTest extends IdempotencyStorageContractTest {

    private static Connection connection;
    private static String bucket;
    private static NatsIdempotencyStorage storage;

    @BeforeAll
    static void createBucket() throws Exception {
        connection = NatsTestServer.connect();
        bucket = NatsTestServer.bucketName();
        new NatsBucketProvisioner(connection)
                .ensure(new NatsBucketSettings(bucket, 1, StorageType.File, Duration.ZERO, false), Duration.ofMinutes(5));
        storage = new NatsIdempotencyStorage(connection, bucket);
    }

    @AfterAll
    static void deleteBucket() throws Exception {
        NatsTestServer.deleteBucket(connection, bucket);
        connection.close();
    }

    @Override
    protected IdempotencyStorage storage() {
        return storage;
    }

    @Test
    void aWaiterIsWokenByTheKeyWatchAsSoonAsTheEntryCompletes() throws Exception {
        String key = key("watch");
        OwnerToken token = acquire(key, LONG);
        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
            long started = System.nanoTime();
            try {
                storage().awaitChange(key, Duration.ofSeconds(20));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        });
        Thread.sleep(500);

        storage().complete(key, token, bytes("done"), LONG);

        assertThat(waited.get(20, TimeUnit.SECONDS)).isLessThan(10_000L);
    }

    @Test
    void nameIsNats() {
        assertThat(storage.name()).isEqualTo("nats");
    }

    @Test
    void aLateCompleteAfterATakeoverLeavesTheNewOwnersRevisionAndValue() throws Exception {
        String key = key("late-complete");
        OwnerToken stale = acquire(key, SHORT);
        Thread.sleep(PAST_SHORT_MILLIS);
        ClaimResult takeover = storage.attemptLock(key, bytes("new"), LONG);
        KeyValue keyValue = connection.keyValue(bucket);
        KeyValueEntry before = keyValue.get(key);

        assertThat(storage.complete(key, stale, bytes("stale"), LONG)).isFalse();

        KeyValueEntry after = keyValue.get(key);
        assertThat(after.getRevision()).isEqualTo(before.getRevision());
        NatsEntry stored = NatsEntry.decode(after.getValue());
        assertThat(stored.completed()).isFalse();
        assertThat(stored.owner()).isEqualTo(((ClaimResult.Acquired) takeover).token().value());
        assertThat(stored.payload()).isEqualTo(bytes("new"));
        assertThat(stored.lifeMillis()).isEqualTo(LONG.toMillis());
    }

    @Test
    void aCompletedEntryIsStoredWithItsRetentionAndNoOwner() throws Exception {
        String key = key("completed-format");
        OwnerToken token = acquire(key, LONG);
        storage.complete(key, token, bytes("done"), Duration.ofSeconds(42));

        NatsEntry stored = NatsEntry.decode(connection.keyValue(bucket).get(key).getValue());

        assertThat(stored.completed()).isTrue();
        assertThat(stored.owner()).isEmpty();
        assertThat(stored.lifeMillis()).isEqualTo(42_000);
        assertThat(stored.payload()).isEqualTo(bytes("done"));
    }

    @Test
    void eachOperationTakesTheDocumentedNumberOfRoundTrips() throws Exception {
        try (Connection counted = NatsTestServer.connect()) {
            NatsIdempotencyStorage measured = new NatsIdempotencyStorage(counted, bucket);
            String key = key("round-trips");
            ClaimResult[] claim = new ClaimResult[1];

            assertThat(roundTrips(counted, () -> claim[0] = measured.attemptLock(key, bytes("v"), LONG)))
                    .as("winning claim").isEqualTo(1);
            OwnerToken first = ((ClaimResult.Acquired) claim[0]).token();
            assertThat(roundTrips(counted, () -> measured.attemptLock(key, bytes("w"), LONG)))
                    .as("losing claim").isEqualTo(2);
            assertThat(roundTrips(counted, () -> measured.extend(key, first, LONG))).as("extend").isEqualTo(1);
            assertThat(roundTrips(counted, () -> measured.release(key, first))).as("release").isEqualTo(1);
            assertThat(roundTrips(counted, () -> claim[0] = measured.attemptLock(key, bytes("v"), LONG)))
                    .as("claim over the delete marker a release leaves").isEqualTo(3);
            OwnerToken second = ((ClaimResult.Acquired) claim[0]).token();
            assertThat(roundTrips(counted, () -> measured.complete(key, second, bytes("done"), LONG)))
                    .as("complete").isEqualTo(1);
            assertThat(roundTrips(counted, () -> measured.complete(key, second, bytes("again"), LONG)))
                    .as("complete of an ended claim").isZero();
        }
    }

    @Test
    void anEntryThisStorageDidNotWriteIsAStorageError() throws Exception {
        String key = key("foreign-entry");
        connection.keyValue(bucket).put(key, "written by someone else");

        assertThatThrownBy(() -> storage.attemptLock(key, bytes("v"), LONG))
                .isInstanceOf(IdempotencyStorageException.class)
                .hasMessageContaining("did not write");
    }

    @Test
    void aMissingBucketIsAStorageErrorThatNamesTheProvisioner() {
        assertThatThrownBy(() -> new NatsIdempotencyStorage(connection, NatsTestServer.bucketName()))
                .isInstanceOf(IdempotencyStorageException.class)
                .hasMessageContaining("NatsBucketProvisioner");
    }

    @Test
    void aClosedConnectionIsAStorageError() throws Exception {
        Connection closed = NatsTestServer.connect();
        NatsIdempotencyStorage unreachable = new NatsIdempotencyStorage(closed, bucket);
        closed.close();

        assertThatThrownBy(() -> unreachable.attemptLock(key("closed"), bytes("v"), LONG))
                .isInstanceOf(IdempotencyStorageException.class)
                .hasMessageContaining(bucket);
    }

    /** Messages the client sent while {@code operation} ran: one per request to JetStream. */
    private static long roundTrips(Connection connection, Runnable operation) {
        long before = connection.getStatistics().getOutMsgs();
        operation.run();
        return connection.getStatistics().getOutMsgs() - before;
    }
}
