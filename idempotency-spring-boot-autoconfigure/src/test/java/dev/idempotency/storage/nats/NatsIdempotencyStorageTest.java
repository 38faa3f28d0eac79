package dev.idempotency.storage.nats;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.NatsKeyValueUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.engine.ClaimOptions;
import dev.idempotency.engine.ClaimOutcome;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.testsupport.Utf8Codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsIdempotencyStorageTest extends IdempotencyStorageContractTest {

    /** A storage timeout longer than the tests hold answers back. */
    private static final Duration PATIENT = Duration.ofSeconds(30);
    /** The storage timeout of {@link #losableAnswers()}, past which it holds answers back. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);

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

    /** A storage on its own connection, whose answers {@link HeldAnswers} holds on jnats' reply dispatcher. */
    @Override
    protected LosableAnswers losableAnswers() throws Exception {
        HeldAnswers answers = new HeldAnswers();
        Connection held = NatsTestServer.connect(answers);
        NatsIdempotencyStorage lossy = new NatsIdempotencyStorage(held, bucket, ANSWER_TIMEOUT);
        return new LosableAnswers() {
            @Override
            public IdempotencyStorage storage() {
                return lossy;
            }

            @Override
            public void hold() {
                answers.hold();
            }

            @Override
            public void deliverHeld() throws InterruptedException {
                try {
                    assertThat(answers.awaitHeld(Duration.ofSeconds(10))).as("the server answered").isTrue();
                }
                finally {
                    answers.release();
                }
            }

            @Override
            public void close() throws InterruptedException {
                answers.release();
                held.close();
            }
        };
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
    void aPerCallRetentionOrLeaseLongerThanTheBucketsMaxAgeIsRefusedBeforeAnythingIsWrittenOrRun() throws Exception {
        String name = NatsTestServer.bucketName();
        new NatsBucketProvisioner(connection)
                .ensure(new NatsBucketSettings(name, 1, StorageType.File, Duration.ofMinutes(1), false), Duration.ofMinutes(1));
        AtomicInteger runs = new AtomicInteger();
        IdempotencyKey key = new IdempotencyKey("max-age", "k");
        RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();
        NatsIdempotencyStorage limited = new NatsIdempotencyStorage(connection, name);
        assertThat(limited.longestEntryLife()).contains(Duration.ofMinutes(1));
        try (IdempotencyKeeper keeper = new IdempotencyKeeper(limited, "p.", Duration.ofMinutes(1), Duration.ofSeconds(30))) {
            for (ClaimOptions tooLong : List.of(ClaimOptions.DEFAULTS.withRetention(Duration.ofMinutes(2)),
                    ClaimOptions.DEFAULTS.withLease(Duration.ofMinutes(2)))) {
                assertThatThrownBy(() -> keeper.execute(key, fingerprint, tooLong, Utf8Codec.PLAIN, () -> "ran " + runs.incrementAndGet()))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("PT2M")
                        .hasMessageContaining("PT1M")
                        .hasMessageContaining("idempotency.storage.nats.max-age");
            }

            assertThat(runs.get()).as("runs").isZero();
            assertThat(keeper.inspect(key)).as("what the bucket holds").isEmpty();
            assertThat(keeper.execute(key, fingerprint, ClaimOptions.DEFAULTS.withRetention(Duration.ofMinutes(1)),
                    Utf8Codec.PLAIN, () -> "as long as the max age")).isEqualTo("as long as the max age");
        }
        finally {
            NatsTestServer.deleteBucket(connection, name);
        }
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
        HeldAnswers answers = new HeldAnswers();
        try (Connection counted = NatsTestServer.connect(answers)) {
            NatsIdempotencyStorage measured = countingRoundTrips(counted, bucket);
            String key = key("round-trips");
            ClaimResult[] claim = new ClaimResult[1];

            assertThat(requests(answers, 2, () -> claim[0] = measured.attemptLock(key, bytes("v"), LONG)))
                    .as("winning claim: write and get together").isEqualTo(new Requests(2, 2));
            OwnerToken first = ((ClaimResult.Acquired) claim[0]).token();
            assertThat(requests(answers, 2, () -> measured.attemptLock(key, bytes("w"), LONG)))
                    .as("losing claim: write and get together").isEqualTo(new Requests(2, 2));
            assertThat(requests(answers, 1, () -> measured.extend(key, first, LONG))).as("extend")
                    .isEqualTo(new Requests(1, 1));
            assertThat(requests(answers, 1, () -> measured.release(key, first))).as("release")
                    .isEqualTo(new Requests(1, 1));
            assertThat(requests(answers, 2, () -> claim[0] = measured.attemptLock(key, bytes("v"), LONG)))
                    .as("claim over the delete marker a release leaves: then a write over the marker")
                    .isEqualTo(new Requests(2, 3));
            OwnerToken second = ((ClaimResult.Acquired) claim[0]).token();
            assertThat(requests(answers, 1, () -> measured.complete(key, second, bytes("done"), LONG)))
                    .as("complete").isEqualTo(new Requests(1, 1));
            assertThat(requests(answers, 0, () -> measured.complete(key, second, bytes("again"), LONG)))
                    .as("complete of an ended claim").isEqualTo(new Requests(0, 0));
            assertThat(requests(answers, 2, () -> claim[0] = measured.attemptLock(key, bytes("v"), LONG)))
                    .as("replay of the completed key").isEqualTo(new Requests(2, 2));
            assertHeld(claim[0], "done");
        }
    }

    @Test
    void aReplaySendsItsReadWithItsClaimAndWaitsForOneAnswerOnly() throws Exception {
        HeldAnswers answers = new HeldAnswers();
        try (Connection counted = NatsTestServer.connect(answers)) {
            NatsIdempotencyStorage measured = countingRoundTrips(counted, bucket);
            String key = key("replay-one-round-trip");
            OwnerToken token = ((ClaimResult.Acquired) measured.attemptLock(key, bytes("v"), LONG)).token();
            measured.complete(key, token, bytes("stored response"), LONG);
            long before = answers.sent();

            answers.hold();
            CompletableFuture<ClaimResult> replay =
                    CompletableFuture.supplyAsync(() -> measured.attemptLock(key, bytes("v"), LONG));
            long sentBeforeAnyAnswer;
            try {
                sentBeforeAnyAnswer = answers.awaitSent(before + 2, Duration.ofSeconds(5)) - before;
            }
            finally {
                answers.release();
            }
            ClaimResult result = replay.get(20, TimeUnit.SECONDS);

            assertThat(sentBeforeAnyAnswer).as("requests the replay sent before any answer came back").isEqualTo(2);
            assertThat(answers.sent() - before).as("requests the replay sent in all").isEqualTo(2);
            assertHeld(result, "stored response");
        }
    }

    @Test
    void aRefusedClaimWhoseGetSawNothingReadsTheEntryAgain() throws Exception {
        String key = key("race-nothing-seen");
        acquire(key, LONG);
        long before = connection.getStatistics().getRequestsSent();

        ClaimResult result = storage.afterRefusal(storage.newClaim(key, bytes("w"), LONG), null);

        assertHeld(result, "v");
        assertThat(connection.getStatistics().getRequestsSent() - before).as("one read").isEqualTo(1);
    }

    @Test
    void aRefusedClaimWhoseGetSawAnOlderDeletedRevisionDoesNotWriteOverTheNewerOne() throws Exception {
        String key = key("race-older-seen");
        storage.release(key, acquire(key, LONG));
        KeyValueEntry deleted = lastRevision(key);
        OwnerToken newer = acquire(key, LONG);
        KeyValueEntry current = lastRevision(key);
        long before = connection.getStatistics().getRequestsSent();

        ClaimResult result = storage.afterRefusal(storage.newClaim(key, bytes("w"), LONG), deleted);

        assertHeld(result, "v");
        assertThat(connection.getStatistics().getRequestsSent() - before)
                .as("the write over the older revision, refused, then one read").isEqualTo(2);
        KeyValueEntry after = lastRevision(key);
        assertThat(after.getRevision()).isEqualTo(current.getRevision());
        assertThat(NatsEntry.decode(after.getValue()).owner()).isEqualTo(newer.value());
    }

    @Test
    void aBucketWithoutDirectGetsIsClaimedByAWriteThenARead() throws Exception {
        String name = NatsTestServer.bucketName();
        // As a KV bucket, but without allow_direct, which jnats always sets on the buckets it creates.
        connection.jetStreamManagement().addStream(StreamConfiguration.builder()
                .name(NatsKeyValueUtil.toStreamName(name))
                .subjects(NatsKeyValueUtil.toStreamSubject(name))
                .storageType(StorageType.File)
                .maxMessagesPerSubject(1)
                .allowRollup(true)
                .denyDelete(true)
                .allowDirect(false)
                .build());
        HeldAnswers answers = new HeldAnswers();
        try (Connection counted = NatsTestServer.connect(answers)) {
            NatsIdempotencyStorage withoutDirectGets = countingRoundTrips(counted, name);
            String key = key("no-direct");
            ClaimResult[] claim = new ClaimResult[1];

            assertThat(requests(answers, 1, () -> claim[0] = withoutDirectGets.attemptLock(key, bytes("v"), LONG)))
                    .as("winning claim").isEqualTo(new Requests(1, 1));
            assertThat(claim[0]).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(requests(answers, 1, () -> claim[0] = withoutDirectGets.attemptLock(key, bytes("w"), LONG)))
                    .as("losing claim: the refused write, then a read").isEqualTo(new Requests(1, 2));
            assertHeld(claim[0], "v");
        }
        finally {
            NatsTestServer.deleteBucket(connection, name);
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

    @Test
    void awaitingAChangeOnAClosedConnectionReturnsAndTheNextClaimIsAStorageError() throws Exception {
        Connection closed = NatsTestServer.connect();
        NatsIdempotencyStorage unreachable = new NatsIdempotencyStorage(closed, bucket);
        closed.close();

        unreachable.awaitChange(key("await-closed"), Duration.ofMillis(50));

        assertThatThrownBy(() -> unreachable.attemptLock(key("await-closed"), bytes("v"), LONG))
                .isInstanceOf(IdempotencyStorageException.class);
    }

    @Test
    void aConnectionClosedWhileAwaitingAChangeEndsTheWaitWithoutAnError() throws Exception {
        Connection closing = NatsTestServer.connect();
        NatsIdempotencyStorage storage = new NatsIdempotencyStorage(closing, bucket);
        String key = key("await-closing");
        CompletableFuture<Void> waited = CompletableFuture.runAsync(() -> {
            try {
                storage.awaitChange(key, Duration.ofSeconds(2));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(300);

        closing.close();

        waited.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aDuplicateWaitingWhileItsConnectionClosesGetsAStorageError() throws Exception {
        IdempotencyKey key = new IdempotencyKey("await", key("duplicate"));
        RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();
        Connection closing = NatsTestServer.connect();
        try (IdempotencyKeeper first = new IdempotencyKeeper(storage, "wait.", LONG, LONG);
                IdempotencyKeeper duplicate = new IdempotencyKeeper(new NatsIdempotencyStorage(closing, bucket), "wait.",
                        LONG, LONG)) {
            assertThat(first.claim(key, fingerprint)).isInstanceOf(OwnedKey.class);
            CompletableFuture<ClaimOutcome> waiting =
                    CompletableFuture.supplyAsync(() -> duplicate.claim(key, fingerprint, Duration.ofSeconds(20)));
            Thread.sleep(300);

            closing.close();

            assertThat(waiting).failsWithin(20, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(IdempotencyStorageException.class);
            first.evict(key);
        }
    }

    /**
     * The requests {@code operation} sent before any answer reached it, and in all. Answers are held
     * until {@code firstRound} requests have been sent (or 5 seconds have passed), so requests sent
     * without waiting for one another count in the first number: one round trip of latency.
     */
    /**
     * A storage whose requests are counted per operation: its clock-offset samples, a read sent
     * after a winning write at most once a second, are left out (see {@code NatsClockOffsetTest}).
     */
    private static NatsIdempotencyStorage countingRoundTrips(Connection counted, String bucket) {
        return new NatsIdempotencyStorage(counted, bucket, PATIENT, Clock.systemUTC(), Duration.ofDays(1));
    }

    private static Requests requests(HeldAnswers answers, long firstRound, Runnable operation) throws Exception {
        long before = answers.sent();
        answers.hold();
        CompletableFuture<Void> running = CompletableFuture.runAsync(operation);
        long sentBeforeAnyAnswer;
        try {
            sentBeforeAnyAnswer = answers.awaitSent(before + firstRound, Duration.ofSeconds(5)) - before;
        }
        finally {
            answers.release();
        }
        running.get(20, TimeUnit.SECONDS);
        return new Requests(sentBeforeAnyAnswer, answers.sent() - before);
    }

    private static void assertHeld(ClaimResult result, String value) {
        assertThat(result).isInstanceOfSatisfying(ClaimResult.Held.class,
                held -> assertThat(held.value()).isEqualTo(bytes(value)));
    }

    /** Requests an operation sent before any answer came back, and in all. */
    record Requests(long beforeAnyAnswer, long total) {
    }

    /** The key's last revision as the server holds it, delete markers included. */
    private static KeyValueEntry lastRevision(String key) throws Exception {
        return new KeyValueEntry(connection.jetStreamManagement().getLastMessage(NatsKeyValueUtil.toStreamName(bucket),
                NatsKeyValueUtil.toKeyPrefix(bucket) + key));
    }
}
