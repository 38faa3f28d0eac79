package dev.idempotency.storage.nats;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.MessageGetRequest;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.support.NatsKeyValueUtil;
import io.nats.client.support.Validator;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.OwnerTokens;
import dev.idempotency.storage.StoredEntry;

import static io.nats.client.support.NatsJetStreamConstants.DEFAULT_API_PREFIX;
import static io.nats.client.support.NatsJetStreamConstants.EXPECTED_LAST_SUB_SEQ_HDR;
import static io.nats.client.support.NatsJetStreamConstants.JSAPI_DIRECT_GET;
import static io.nats.client.support.NatsJetStreamConstants.JSAPI_DIRECT_GET_LAST;
import static io.nats.client.support.NatsJetStreamConstants.JSAPI_MSG_GET;
import static io.nats.client.support.NatsJetStreamConstants.JS_NO_MESSAGE_FOUND_ERR;
import static io.nats.client.support.NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE;

/**
 * An {@link IdempotencyStorage} in a NATS JetStream key-value bucket, shared by every instance
 * connected to the same servers. Create the bucket first with {@link NatsBucketProvisioner}.
 *
 * <p><b>Atomicity.</b> Every write is a compare-and-set on the key's last revision (JetStream's
 * expected last subject sequence), so the server serializes competing writers: a claim writes
 * only if the key has no revision (the first step of {@link KeyValue#create}, without its hidden
 * read), or over the revision it found deleted or expired; complete, extend and
 * release write only over the revision this instance last wrote for the claim. No operation is
 * a read followed by an unconditional write. Replicated buckets need nats-server 2.9.21 or later,
 * where this check is part of the replicated write.
 *
 * <p><b>Expiry.</b> nats-server before 2.11 has no per-entry time to live, so each entry
 * carries its state and its lease or retention, and counts it from the server's timestamp of
 * the revision ({@link KeyValueEntry#getCreated()}), compared with this host's clock. A clock
 * skew of S between this host and the server would move a takeover by S, and with this clock
 * ahead by more than about three quarters of a lease, let a claim take over an entry whose owner
 * still renews it. So the storage learns the offset from the server's timestamps of its own
 * writes ({@link ClockOffset}): when it is created, it writes the entry {@value #CLOCK_PROBE_KEY}
 * (an entry that looks expired at once, under a key the engine never derives, since derived keys
 * never end with {@code =}) and reads its timestamp back; afterwards, at most once a second, it
 * reads back the revision of a write of its own that the server acknowledged, without making the
 * write wait for it. A claim takes an entry over only once its lease or retention has ended by
 * the earliest time the server's clock can show, that is past the lease plus the most this clock
 * may be ahead; an offset above a quarter of a lease is logged as a WARN. Keep clocks
 * synchronized (NTP) all the same: a takeover waits for the offset. An owner judges its own lease by this host's
 * monotonic clock, counted from just before its write was sent, which can only end the lease
 * earlier than the server's view: once it is over, complete, extend and release answer
 * {@code false} without a round trip, even if no one took over (unless a write whose answer was
 * lost may have renewed it, see below). The bucket's max age removes
 * expired entries from the server eventually; until then they behave as absent. It must be no
 * shorter than the longest retention or lease, or the server drops live entries early.
 *
 * <p><b>Value format</b> (version 1, big-endian): one byte format version {@code 1}; one byte
 * state, {@code 'P'} in progress or {@code 'C'} completed; eight bytes the lease or retention in
 * milliseconds; two bytes the length N of the owner token (0 when completed); N bytes the owner
 * token in UTF-8; the caller's bytes, possibly none, up to the end.
 *
 * <p><b>Round trips.</b> A claim sends its write and, when the bucket allows direct gets (every
 * bucket {@link NatsBucketProvisioner} or jnats creates does), a direct get of the key's last
 * revision together, then waits once: a claim on a key never written, or whose entry the server
 * has aged out, and a claim on a held key (a replay, or a duplicate in progress) each take one
 * round trip of latency, for two requests. The server thus answers one extra get per first
 * request, which the claim does not wait for. If the get was served before the revision that
 * refused the write, the claim reads again (see {@link #afterRefusal}). A takeover of an expired
 * entry, or a claim after a release or delete, takes two round trips (three requests). Without
 * direct gets a claim is the write alone: one round trip when it wins, two on a held key (the
 * refused write, then a read), three for a takeover. Complete, extend and release take one,
 * because this instance remembers the revision of its last write for each live claim; an
 * owner-only operation must therefore run on the instance that made the claim, and a token it
 * does not know is answered {@code false}. Every request waits at most the timeout given to the
 * constructor. Besides, learning the clock offset (see Expiry) costs two round trips once, when
 * the storage is created, and a get of a revision at most once a second after a write that won,
 * which no operation waits for. A refused write is read from the server's answer as a value, not caught as an
 * exception. The direct get sent with a claim may be served by a replica, so on a replicated
 * bucket it may see an older revision: a live one is answered (the key was held within the
 * call), anything else makes the claim read again from the stream's leader.
 *
 * <p><b>Lost answers.</b> A write whose answer does not come within the timeout may still have
 * been stored, and then the revision this instance remembers is stale. So after such a write, a
 * refused owner write, or a lease over by this host's clock, does not end the claim at once: the
 * key's last revision is read from the stream's leader (one more round trip). This claim's own
 * in-progress entry there is adopted, with a lease counted from the send of the earliest
 * unanswered write, and the operation is sent again over it; the completed entry that a
 * {@link #complete} would write (for {@link #extend}, the one a completion whose answer was lost
 * wrote) means the operation already took effect, and it answers {@code true}. Only anything else
 * ends the claim with {@code false}.
 */
public final class NatsIdempotencyStorage implements IdempotencyStorage {

    /** The key of the entry written when the storage is created, to learn the server's clock. */
    static final String CLOCK_PROBE_KEY = "clock-probe=";

    private static final int MAX_ATTEMPTS = 16;
    private static final long SWEEP_EVERY_CLAIMS = 1024;

    private final String bucket;
    private final Connection connection;
    private final KeyValue keyValue;
    private final JetStreamManagement management;
    private final Duration requestTimeout;
    private final String streamName;
    private final String subjectPrefix;
    /** {@code $JS.API.DIRECT.GET.<stream>.<subject prefix>}, to which a key is appended; null without allow_direct. */
    private final String directGetPrefix;
    /** The bucket's max age when this storage was created; zero when unlimited. */
    private final Duration maxAge;
    private final ConcurrentHashMap<String, OwnedClaim> claims = new ConcurrentHashMap<>();
    private final AtomicLong claimCount = new AtomicLong();
    private final OwnerTokens tokens = new OwnerTokens();
    private final ClockOffset clockOffset;

    /**
     * Uses the existing bucket {@code bucket}, with jnats' default request timeout.
     *
     * @param connection an open connection to a NATS server, which stays the caller's to close
     * @param bucket the name of an existing key-value bucket (see {@link NatsBucketProvisioner})
     * @throws IdempotencyStorageException when the bucket does not exist or NATS cannot answer
     */
    public NatsIdempotencyStorage(Connection connection, String bucket) {
        this(connection, bucket, null);
    }

    /**
     * Uses the existing bucket {@code bucket}; every request to the server times out after
     * {@code timeout} (jnats' default when {@code null}).
     *
     * @param connection an open connection to a NATS server, which stays the caller's to close
     * @param bucket the name of an existing key-value bucket (see {@link NatsBucketProvisioner})
     * @param timeout how long each request to the server may take; {@code null} for the
     *     connection's timeout, jnats' default
     * @throws IdempotencyStorageException when the bucket does not exist or NATS cannot answer
     */
    public NatsIdempotencyStorage(Connection connection, String bucket, Duration timeout) {
        this(connection, bucket, timeout, Clock.systemUTC(), ClockOffset.SAMPLE_EVERY);
    }

    /**
     * As the public constructor, with {@code clock} as this host's clock (tests give it an offset)
     * and the clock offset sampled at most every {@code clockSampleEvery} after the probe.
     */
    NatsIdempotencyStorage(Connection connection, String bucket, Duration timeout, Clock clock,
            Duration clockSampleEvery) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.clockOffset = new ClockOffset(Objects.requireNonNull(clock, "clock"), bucket, clockSampleEvery);
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        // jnats' own default when no timeout is given: the connection timeout (NatsJetStreamImpl).
        this.requestTimeout = timeout == null ? connection.getOptions().getConnectionTimeout() : timeout;
        JetStreamOptions options = JetStreamOptions.builder().requestTimeout(requestTimeout).build();
        this.streamName = NatsKeyValueUtil.toStreamName(bucket);
        this.subjectPrefix = NatsKeyValueUtil.toKeyPrefix(bucket);
        StreamConfiguration stream;
        try {
            this.keyValue = connection.keyValue(bucket, KeyValueOptions.builder().jetStreamOptions(options).build());
            this.management = connection.jetStreamManagement(options);
            stream = management.getStreamInfo(streamName).getConfiguration();
        }
        catch (IOException | JetStreamApiException ex) {
            throw new IdempotencyStorageException("NATS KV bucket '" + bucket
                    + "' is not available; create it with NatsBucketProvisioner: " + ex.getMessage(), ex);
        }
        // A bucket adopted without allow_direct answers reads only through the stream's leader
        // ($JS.API.STREAM.MSG.GET), which jnats' management calls use; claims then read after a refusal.
        this.directGetPrefix = stream.getAllowDirect()
                ? DEFAULT_API_PREFIX + String.format(JSAPI_DIRECT_GET_LAST, streamName, subjectPrefix)
                : null;
        this.maxAge = stream.getMaxAge();
        probeClock();
    }

    /**
     * Writes {@value #CLOCK_PROBE_KEY} and reads back the server's timestamp of the write, so the
     * clock offset is known before the first claim: an instance that restarts after a crash may
     * take over its predecessor's keys at once. Two round trips, once.
     */
    private void probeClock() {
        clockOffset.claimSample();
        byte[] probe = NatsEntry.completed(Duration.ofMillis(1), new byte[0]).encode();
        try {
            Instant sentAt = clockOffset.now();
            long revision = keyValue.put(CLOCK_PROBE_KEY, probe);
            Instant answeredAt = clockOffset.now();
            clockOffset.add(sentAt, answeredAt, management.getMessage(streamName, revision).getTime().toInstant());
        }
        catch (JetStreamApiException ex) {
            if (ex.getApiErrorCode() != JS_NO_MESSAGE_FOUND_ERR) {
                throw failure("write", ex);
            }
            // Another instance probed right after: the next write of this one gives the first sample.
        }
        catch (IOException | IllegalStateException ex) {
            throw failure("write", ex);
        }
    }

    /**
     * After a write of this instance stored {@code revision}, reads its timestamp back for the clock
     * offset, at most once a second and without waiting: the answer is used when it comes.
     */
    private void sampleClock(long revision, Instant sentAt, Instant answeredAt) {
        if (!clockOffset.claimSample()) {
            return;
        }
        byte[] request = MessageGetRequest.forSequence(revision).serialize();
        boolean direct = directGetPrefix != null;
        String subject = DEFAULT_API_PREFIX + String.format(direct ? JSAPI_DIRECT_GET : JSAPI_MSG_GET, streamName);
        try {
            connection.requestWithTimeout(subject, request, requestTimeout).thenAccept(reply -> {
                if (!reply.isStatusMessage()) {
                    MessageInfo stored = new MessageInfo(reply, streamName, direct);
                    if (!stored.hasError() && stored.getSeq() == revision) {
                        clockOffset.add(sentAt, answeredAt, stored.getTime().toInstant());
                    }
                }
            });
        }
        catch (IllegalStateException ex) {
            // Closed or draining: no sample this time.
        }
    }

    /**
     * Sends the write over "no revision" and, when the bucket allows direct gets, a direct get of
     * the key's last revision with it, both before waiting for either: a claim on a held key is
     * then answered in one round trip of latency. The get's answer is used only when the write is
     * refused (see {@link #afterRefusal}).
     */
    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        Claim claim = newClaim(key, value, lease);
        Instant sentAtWall = clockOffset.now();
        long sentAt = System.nanoTime();
        CompletableFuture<Message> written = send("write", () -> sendWrite(key, claim.entry(), 0));
        CompletableFuture<Message> lastRevision = directGetPrefix == null ? null
                : send("read", () -> sendDirectGet(key));
        long deadline = sentAt + requestTimeout.toNanos();
        if (lastRevision != null) {
            awaitBoth(written, lastRevision, deadline);
        }
        long revision = writtenRevision(await(written, deadline, "write"));
        if (revision > 0) {
            sampleClock(revision, sentAtWall, clockOffset.now());
            return acquired(claim, revision, sentAt);
        }
        return afterRefusal(claim, lastRevision == null ? null : lastRevision(await(lastRevision, deadline, "read")));
    }

    /**
     * The claim protocol without blocking the caller. A claim is {@link #attemptLock}'s, answered
     * through jnats' asynchronous requests: the write over "no revision" and the direct get go out
     * together and are answered when their replies arrive, with no thread waiting for them, so a
     * claim that wins costs the caller nothing while NATS answers. A refused claim goes on as
     * {@link #afterRefusal} does on {@code blockingCalls}, which may read the stream's leader and
     * write again; so do completions, releases and renewals, whose owner-checked writes are
     * serialized per claim and may read back after an unconfirmed write.
     */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        AsyncIdempotencyStorage offloaded = IdempotencyStorage.super.async(blockingCalls);
        return new AsyncIdempotencyStorage() {
            @Override
            public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
                return attemptLockAsync(key, value, lease, blockingCalls);
            }

            @Override
            public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
                return offloaded.complete(key, token, value, retention);
            }

            @Override
            public CompletionStage<Boolean> release(String key, OwnerToken token) {
                return offloaded.release(key, token);
            }

            @Override
            public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
                return offloaded.extend(key, token, lease);
            }
        };
    }

    private CompletionStage<ClaimResult> attemptLockAsync(String key, byte[] value, Duration lease,
            Executor blockingCalls) {
        Claim claim;
        Instant sentAtWall;
        long sentAt;
        CompletableFuture<Message> written;
        CompletableFuture<Message> lastRevision;
        try {
            claim = newClaim(key, value, lease);
            sentAtWall = clockOffset.now();
            sentAt = System.nanoTime();
            written = send("write", () -> sendWrite(key, claim.entry(), 0));
            lastRevision = directGetPrefix == null ? null : send("read", () -> sendDirectGet(key));
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        return answered(written, "write").thenCompose(reply -> {
            long revision = writtenRevision(reply);
            if (revision > 0) {
                sampleClock(revision, sentAtWall, clockOffset.now());
                return CompletableFuture.completedFuture(acquired(claim, revision, sentAt));
            }
            CompletableFuture<KeyValueEntry> seen = lastRevision == null ? CompletableFuture.completedFuture(null)
                    : answered(lastRevision, "read").thenApply(this::lastRevision);
            return seen.thenApplyAsync(entry -> afterRefusal(claim, entry), blockingCalls);
        });
    }

    /** {@code reply}, or the storage's failure when it times out or fails, as {@link #await} reports it. */
    private CompletableFuture<Message> answered(CompletableFuture<Message> reply, String action) {
        return reply.orTimeout(requestTimeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(failure ->
                CompletableFuture.failedFuture(failureOf(action,
                        failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                                : failure)));
    }

    /** A claim about to be attempted: its token, and the entry that writing it stores. */
    record Claim(String key, byte[] value, Duration lease, OwnerToken token, byte[] entry) {
    }

    /** Validates the key, draws a token and encodes the in-progress entry; sends nothing. */
    Claim newClaim(String key, byte[] value, Duration lease) {
        Validator.validateNonWildcardKvKeyRequired(key);
        long claimNumber = claimCount.incrementAndGet();
        if (claimNumber % SWEEP_EVERY_CLAIMS == 0) {
            // Claims whose owner never completed nor released would otherwise stay remembered.
            claims.values().removeIf(owned -> !owned.isLive() && !owned.isUnconfirmed());
        }
        clockOffset.warnIfAbove(lease);
        OwnerToken token = tokens.next();
        return new Claim(key, value, lease, token, NatsEntry.inProgress(token, lease, value).encode());
    }

    /**
     * Goes on with a claim whose write over "no revision" was refused, so some revision of the
     * key existed when the server judged the write. {@code seen} is the last revision that the
     * direct get sent alongside found, or null when it found nothing or none was sent.
     *
     * <p>A live entry seen is the answer: the get was served after the claim began, so the key
     * was held at a moment within the call. A get served before the write that refused ours saw
     * nothing, a deleted or expired entry, or an older revision: nothing then is taken on trust.
     * With nothing seen, the entry is read again; over a deleted or expired revision the claim
     * is a compare-and-set on that revision, which the server refuses if a newer one exists, and
     * then the entry is read again. The loop is the one a claim without direct gets runs. Expiry is
     * judged by {@link ClockOffset#serverNowAtLeast()}: never while the clocks' offset could make
     * a live lease look over.
     */
    ClaimResult afterRefusal(Claim claim, KeyValueEntry seen) {
        KeyValueEntry current = seen;
        for (int attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
            if (current == null) {
                current = readLast(claim.key());
            }
            long expectedRevision = 0;
            if (current != null) {
                if (current.getOperation() == KeyValueOperation.PUT) {
                    NatsEntry stored = decode(current);
                    if (!stored.isExpiredAt(current.getCreated().toInstant(), clockOffset.serverNowAtLeast())) {
                        return new ClaimResult.Held(stored.payload());
                    }
                }
                expectedRevision = current.getRevision();
            }
            long sentAt = System.nanoTime();
            OptionalLong written = write(claim.key(), claim.entry(), expectedRevision);
            if (written.isPresent()) {
                return acquired(claim, written.getAsLong(), sentAt);
            }
            current = null;
        }
        throw lostRaces("a claim");
    }

    private ClaimResult acquired(Claim claim, long revision, long sentAt) {
        String owner = claim.token().value();
        claims.put(owner, new OwnedClaim(claim.key(), owner, claim.value(), revision, sentAt, claim.lease()));
        return new ClaimResult.Acquired(claim.token());
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        byte[] entry = NatsEntry.completed(retention, value).encode();
        return asOwner(key, token, true, claim -> entry,
                (claim, sentAt) -> write(key, entry, claim.revision()).isPresent());
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return asOwner(key, token, true, claim -> null, (claim, sentAt) -> deleteRevision(key, claim.revision()));
    }

    /** Writes the claim's in-progress entry again with the new lease, over the revision it last wrote. */
    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return asOwner(key, token, false, OwnedClaim::unconfirmedCompletion, (claim, sentAt) -> {
            OptionalLong written = write(key, NatsEntry.inProgress(token, lease, claim.payload()).encode(),
                    claim.revision());
            written.ifPresent(revision -> claim.renew(revision, sentAt, lease));
            return written.isPresent();
        });
    }

    @Override
    public boolean delete(String key) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValueEntry current = readLast(key);
            if (current == null || current.getOperation() != KeyValueOperation.PUT) {
                return false;
            }
            if (deleteRevision(key, current.getRevision())) {
                return !decode(current).isExpiredAt(current.getCreated().toInstant(), clockOffset.now());
            }
        }
        throw lostRaces("a delete");
    }

    /**
     * Watches the key for its next revision (a JetStream ordered consumer on the key's subject),
     * so a waiting duplicate wakes as soon as the first request completes or releases. A change
     * made before the watch starts is not seen; the caller's next claim after the timeout is.
     * Without a watch (NATS does not answer, or the connection is closed) it sleeps for the
     * timeout, as any storage does, and throws nothing: the caller's next claim reports the
     * storage error.
     */
    @Override
    public void awaitChange(String key, Duration timeout) throws InterruptedException {
        CountDownLatch changed = new CountDownLatch(1);
        KeyValueWatcher watcher = new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                changed.countDown();
            }

            @Override
            public void endOfData() {
            }
        };
        NatsKeyValueWatchSubscription subscription;
        try {
            subscription = keyValue.watch(key, watcher, KeyValueWatchOption.UPDATES_ONLY);
        }
        catch (IOException | JetStreamApiException | IllegalStateException ex) {
            IdempotencyStorage.super.awaitChange(key, timeout);
            return;
        }
        try {
            changed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        finally {
            try {
                subscription.unsubscribe();
            }
            catch (IllegalStateException ex) {
                // The connection closed meanwhile, and the watch with it.
            }
        }
    }

    /** One read of the key's last revision; expiry as the claim protocol judges it. */
    @Override
    public Optional<StoredEntry> read(String key) {
        KeyValueEntry current = readLast(key);
        if (current == null || current.getOperation() != KeyValueOperation.PUT) {
            return Optional.empty();
        }
        NatsEntry entry = decode(current);
        Instant storedAt = current.getCreated().toInstant();
        if (entry.isExpiredAt(storedAt, clockOffset.now())) {
            return Optional.empty();
        }
        return Optional.of(new StoredEntry(entry.payload(), !entry.completed(), storedAt.plusMillis(entry.lifeMillis())));
    }

    /** One JetStream request for the bucket's status. */
    @Override
    public void ping() {
        try {
            keyValue.getStatus();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IdempotencyStorageException("Interrupted while checking NATS KV bucket '" + bucket + "'", ex);
        }
        catch (IOException | JetStreamApiException | RuntimeException ex) {
            throw new IdempotencyStorageException("NATS KV bucket '" + bucket + "' does not answer: " + ex.getMessage(), ex);
        }
    }

    /**
     * The bucket's max age, read when this storage was created: the server drops every revision
     * older than that, live or not. Empty when the bucket has none.
     */
    @Override
    public Optional<Duration> longestEntryLife() {
        return maxAge.isZero() ? Optional.empty() : Optional.of(maxAge);
    }

    @Override
    public String name() {
        return "nats";
    }

    /** What this storage knows of the offset between this host's clock and the server's. */
    ClockOffset clockOffset() {
        return clockOffset;
    }

    /**
     * Runs {@code write} for the live claim {@code token} made on {@code key}, holding the claim's
     * monitor so that operations on one token do not compare against the same revision at once.
     * The claim ends when the write fails, or when it succeeds and {@code endsClaim}; on a storage
     * error it stays, remembered as unconfirmed, because the write may or may not have happened
     * and the caller may try again.
     *
     * <p>After an unconfirmed write, neither a refusal nor the end of the lease by this host's clock
     * proves the claim lost: the unconfirmed write may have taken effect. The key's last revision
     * is then read back once (see {@link #readBack}): this claim's in-progress entry there is
     * adopted and the write sent again over it; the completed entry that {@code completion} names
     * means the operation already took effect, and it answers {@code true}; anything else is the
     * claim lost.
     *
     * @param completion the completed entry whose presence means the operation already took
     *     effect; {@code null} when none does
     * @return {@code false} without a round trip when this instance knows no live claim of {@code token}
     */
    private boolean asOwner(String key, OwnerToken token, boolean endsClaim, Function<OwnedClaim, byte[]> completion,
            OwnerWrite write) {
        OwnedClaim claim = claims.get(token.value());
        if (claim == null || !claim.key().equals(key)) {
            return false;
        }
        synchronized (claim) {
            boolean readBack = false;
            while (true) {
                if (claim.isLive()) {
                    long sentAt = System.nanoTime();
                    byte[] completed = completion.apply(claim);
                    boolean written;
                    try {
                        written = write.attempt(claim, sentAt);
                    }
                    catch (IdempotencyStorageException ex) {
                        claim.unconfirmedWrite(sentAt, completed);
                        throw ex;
                    }
                    if (written) {
                        return succeeded(token, claim, endsClaim);
                    }
                }
                if (readBack || !claim.isUnconfirmed()) {
                    end(token, claim);
                    return false;
                }
                readBack = true;
                switch (readBack(claim, completion.apply(claim))) {
                    case COMPLETED -> {
                        return succeeded(token, claim, endsClaim);
                    }
                    case LOST -> {
                        end(token, claim);
                        return false;
                    }
                    case IN_PROGRESS -> {
                        // Adopted: write again over the revision found, if the lease it gives is not over.
                    }
                }
            }
        }
    }

    private boolean succeeded(OwnerToken token, OwnedClaim claim, boolean endsClaim) {
        if (endsClaim) {
            end(token, claim);
        }
        return true;
    }

    /** One owner-only write over the revision the claim remembers. */
    @FunctionalInterface
    private interface OwnerWrite {

        /** @return {@code true} when stored; {@code false} when another revision is last */
        boolean attempt(OwnedClaim claim, long sentAtNanos);
    }

    /** What {@link #readBack} found under a claim's key. */
    enum Found {
        /** This claim's in-progress entry, now the revision the claim writes over. */
        IN_PROGRESS,
        /** The completed entry the operation would write: it already took effect. */
        COMPLETED,
        /** Anything else: another claim's entry, another completed entry, or nothing live. */
        LOST
    }

    /**
     * Reads the claim's key from the stream's leader after an unconfirmed write, to tell what it
     * holds; adopts this claim's in-progress entry found there (see {@link OwnedClaim#adopt}).
     *
     * @param completion the completed entry that counts as {@link Found#COMPLETED}; {@code null} when none does
     */
    private Found readBack(OwnedClaim claim, byte[] completion) {
        KeyValueEntry current = readLast(claim.key());
        if (current == null || current.getOperation() != KeyValueOperation.PUT) {
            return Found.LOST;
        }
        NatsEntry stored = decode(current);
        if (stored.isExpiredAt(current.getCreated().toInstant(), clockOffset.now())) {
            return Found.LOST;
        }
        if (stored.completed()) {
            return Arrays.equals(current.getValue(), completion) ? Found.COMPLETED : Found.LOST;
        }
        if (!stored.owner().equals(claim.owner())) {
            return Found.LOST;
        }
        claim.adopt(current.getRevision(), Duration.ofMillis(stored.lifeMillis()));
        return Found.IN_PROGRESS;
    }

    private void end(OwnerToken token, OwnedClaim claim) {
        claim.end();
        claims.remove(token.value(), claim);
    }

    /** Writes {@code entry} over {@code expectedRevision} (0: no revision yet); empty when another revision is last. */
    private OptionalLong write(String key, byte[] entry, long expectedRevision) {
        Instant sentAt = clockOffset.now();
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        long revision = writtenRevision(await(send("write", () -> sendWrite(key, entry, expectedRevision)), deadline,
                "write"));
        if (revision <= 0) {
            return OptionalLong.empty();
        }
        sampleClock(revision, sentAt, clockOffset.now());
        return OptionalLong.of(revision);
    }

    /**
     * A JetStream publish of {@code entry} to the key's subject that the server stores only if
     * {@code expectedRevision} is the subject's last sequence (what {@link KeyValue#update} sends).
     */
    private CompletableFuture<Message> sendWrite(String key, byte[] entry, long expectedRevision) {
        Headers headers = new Headers().put(EXPECTED_LAST_SUB_SEQ_HDR, Long.toString(expectedRevision));
        return connection.requestWithTimeout(subjectPrefix + key, headers, entry, requestTimeout);
    }

    /** A direct get of the key's last revision, served by any server that holds the stream. */
    private CompletableFuture<Message> sendDirectGet(String key) {
        return connection.requestWithTimeout(directGetPrefix + key, null, requestTimeout);
    }

    /** The revision the write stored; 0 when the server refused it because another revision is last. */
    private long writtenRevision(Message reply) {
        if (reply.isStatusMessage()) {
            throw failure("write", new IOException("Error Publishing: " + reply.getStatus().getMessageWithCode()));
        }
        PublishReply answer = new PublishReply(reply);
        if (answer.hasError()) {
            if (answer.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                return 0;
            }
            throw failure("write", new JetStreamApiException(answer));
        }
        long revision = answer.revision();
        if (revision <= 0) {
            throw failure("write", new IOException("Invalid JetStream ack: " + answer));
        }
        return revision;
    }

    /** What a direct get answered: the key's last revision, or null when the server holds nothing for the key. */
    private KeyValueEntry lastRevision(Message reply) {
        if (reply.isStatusMessage()) {
            io.nats.client.api.Error error = io.nats.client.api.Error.convert(reply.getStatus());
            if (error.getApiErrorCode() == JS_NO_MESSAGE_FOUND_ERR) {
                return null;
            }
            throw failure("read", new JetStreamApiException(error));
        }
        try {
            return new KeyValueEntry(new MessageInfo(reply, streamName, true));
        }
        catch (IllegalStateException ex) {
            throw failure("read", ex);
        }
    }

    /** Sends one request; a connection that is closed or draining is a storage error. */
    private CompletableFuture<Message> send(String action, Supplier<CompletableFuture<Message>> request) {
        try {
            return request.get();
        }
        catch (IllegalStateException ex) {
            throw failure(action, ex);
        }
    }

    /**
     * Parks once until both answers are in, or until {@code deadline}: waiting for one and then the
     * other parks and wakes the caller twice whenever the second arrives after the first. Each
     * answer is then read, and its failure judged, on its own ({@link #await}), which returns at
     * once for an answer that is in.
     */
    private static void awaitBoth(CompletableFuture<Message> first, CompletableFuture<Message> second, long deadline) {
        try {
            CompletableFuture.allOf(first, second).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (ExecutionException | TimeoutException | CancellationException ex) {
            // Judged per answer by await, which reports the write's failure before the read's.
        }
        catch (InterruptedException ex) {
            // Kept for await, which reports the interruption.
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for an answer until {@code deadline} ({@link System#nanoTime()}), as jnats' blocking requests do. */
    private Message await(CompletableFuture<Message> reply, long deadline, String action) {
        try {
            return reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            reply.cancel(false);
            throw failureOf(action, ex);
        }
        catch (ExecutionException ex) {
            throw failureOf(action, ex.getCause());
        }
        catch (CancellationException ex) {
            throw failureOf(action, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw failure(action, new IOException("Interrupted while waiting for NATS JetStream", ex));
        }
    }

    /** What a request that got no answer ({@code cause}: its timeout, its cancellation, or its failure) means. */
    private IdempotencyStorageException failureOf(String action, Throwable cause) {
        if (cause instanceof TimeoutException) {
            return failure(action, new IOException("Timeout or no response waiting for NATS JetStream server within "
                    + requestTimeout, cause));
        }
        if (cause instanceof CancellationException) {
            // jnats cancels a request that no server can answer ("no responders").
            return failure(action, new IOException("No JetStream server answered", cause));
        }
        if (cause instanceof IdempotencyStorageException storage) {
            return storage;
        }
        return failure(action, cause instanceof Exception exception ? exception : new IOException(cause));
    }

    /** Deletes the entry if {@code expectedRevision} is still its last revision. */
    private boolean deleteRevision(String key, long expectedRevision) {
        try {
            keyValue.delete(key, expectedRevision);
            return true;
        }
        catch (JetStreamApiException ex) {
            if (ex.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                return false;
            }
            throw failure("delete", ex);
        }
        catch (IOException | IllegalStateException ex) {
            throw failure("delete", ex);
        }
    }

    /**
     * The key's last revision, delete and purge markers included (unlike {@link KeyValue#get}),
     * because taking over a deleted key is a compare-and-set on the marker's revision; null when
     * the server holds nothing for the key. Always the stream leader's message get: this is the
     * read a claim falls back to when the speculative direct get proved stale, and a replica
     * that lags could answer the same stale revision again and again.
     */
    private KeyValueEntry readLast(String key) {
        try {
            return new KeyValueEntry(management.getLastMessage(streamName, subjectPrefix + key));
        }
        catch (JetStreamApiException ex) {
            if (ex.getApiErrorCode() == JS_NO_MESSAGE_FOUND_ERR) {
                return null;
            }
            throw failure("read", ex);
        }
        catch (IOException | IllegalStateException ex) {
            throw failure("read", ex);
        }
    }

    private NatsEntry decode(KeyValueEntry entry) {
        try {
            return NatsEntry.decode(entry.getValue());
        }
        catch (IllegalArgumentException ex) {
            throw new IdempotencyStorageException("NATS KV bucket '" + bucket + "' holds an entry this storage did "
                    + "not write (" + ex.getMessage() + "); give the idempotency storage a bucket of its own", ex);
        }
    }

    private IdempotencyStorageException lostRaces(String operation) {
        return new IdempotencyStorageException("NATS KV bucket '" + bucket + "': " + operation + " lost "
                + MAX_ATTEMPTS + " races in a row to other writers of the same key");
    }

    private IdempotencyStorageException failure(String action, Exception cause) {
        return new IdempotencyStorageException("NATS KV bucket '" + bucket + "' could not " + action + " an entry: "
                + cause.getMessage(), cause);
    }
}
