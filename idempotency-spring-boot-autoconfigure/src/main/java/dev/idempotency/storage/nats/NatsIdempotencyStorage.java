package dev.idempotency.storage.nats;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.support.NatsKeyValueUtil;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

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
 * skew of S between this host and the server moves a takeover by S: keep clocks synchronized
 * (NTP) and leases much longer than the skew. An owner judges its own lease by this host's
 * monotonic clock, counted from just before its write was sent, which can only end the lease
 * earlier than the server's view: once it is over, complete, extend and release answer
 * {@code false} without a round trip, even if no one took over. The bucket's max age removes
 * expired entries from the server eventually; until then they behave as absent. It must be no
 * shorter than the longest retention or lease, or the server drops live entries early.
 *
 * <p><b>Value format</b> (version 1, big-endian): one byte format version {@code 1}; one byte
 * state, {@code 'P'} in progress or {@code 'C'} completed; eight bytes the lease or retention in
 * milliseconds; two bytes the length N of the owner token (0 when completed); N bytes the owner
 * token in UTF-8; the caller's bytes, possibly none, up to the end.
 *
 * <p><b>Round trips.</b> A claim on a key never written, or whose entry the server has aged out,
 * takes one; on a held key two (the failed write and a read of the entry); a takeover of an
 * expired entry, or a claim after a release or delete, three. Complete, extend and release take
 * one, because this instance remembers the revision of its last write for each live claim; an
 * owner-only operation must therefore run on the instance that made the claim, and a token it
 * does not know is answered {@code false}. Reads may be served by a replica, so on a replicated
 * bucket a claim may briefly see an older revision; it then retries, or answers that older value.
 */
public final class NatsIdempotencyStorage implements IdempotencyStorage {

    private static final int MAX_ATTEMPTS = 16;
    private static final long SWEEP_EVERY_CLAIMS = 1024;

    private final String bucket;
    private final KeyValue keyValue;
    private final JetStreamManagement management;
    private final String streamName;
    private final String subjectPrefix;
    private final ConcurrentHashMap<String, OwnedClaim> claims = new ConcurrentHashMap<>();
    private final AtomicLong claimCount = new AtomicLong();
    private final String tokenPrefix = UUID.randomUUID() + "-";

    /**
     * Uses the existing bucket {@code bucket}, with jnats' default request timeout.
     *
     * @throws IdempotencyStorageException when the bucket does not exist or NATS cannot answer
     */
    public NatsIdempotencyStorage(Connection connection, String bucket) {
        this(connection, bucket, null);
    }

    /**
     * Uses the existing bucket {@code bucket}; every request to the server times out after
     * {@code timeout} (jnats' default when {@code null}).
     *
     * @throws IdempotencyStorageException when the bucket does not exist or NATS cannot answer
     */
    public NatsIdempotencyStorage(Connection connection, String bucket, Duration timeout) {
        Objects.requireNonNull(connection, "connection");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        try {
            this.keyValue = timeout == null ? connection.keyValue(bucket) : connection.keyValue(bucket,
                    KeyValueOptions.builder()
                            .jetStreamOptions(JetStreamOptions.builder().requestTimeout(timeout).build())
                            .build());
            this.management = connection.jetStreamManagement();
        }
        catch (IOException ex) {
            throw new IdempotencyStorageException("NATS KV bucket '" + bucket
                    + "' is not available; create it with NatsBucketProvisioner: " + ex.getMessage(), ex);
        }
        this.streamName = NatsKeyValueUtil.toStreamName(bucket);
        this.subjectPrefix = NatsKeyValueUtil.toKeyPrefix(bucket);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        long claimNumber = claimCount.incrementAndGet();
        if (claimNumber % SWEEP_EVERY_CLAIMS == 0) {
            // Claims whose owner never completed nor released would otherwise stay remembered.
            claims.values().removeIf(claim -> !claim.isLive());
        }
        OwnerToken token = new OwnerToken(tokenPrefix + claimNumber);
        byte[] entry = NatsEntry.inProgress(token, lease, value).encode();
        long expectedRevision = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            long sentAt = System.nanoTime();
            OptionalLong written = write(key, entry, expectedRevision);
            if (written.isPresent()) {
                claims.put(token.value(), new OwnedClaim(key, value, written.getAsLong(), sentAt, lease));
                return new ClaimResult.Acquired(token);
            }
            KeyValueEntry current = readLast(key);
            if (current == null) {
                expectedRevision = 0;
                continue;
            }
            if (current.getOperation() == KeyValueOperation.PUT) {
                NatsEntry stored = decode(current);
                if (!stored.isExpiredAt(current.getCreated().toInstant(), Instant.now())) {
                    return new ClaimResult.Held(stored.payload());
                }
            }
            expectedRevision = current.getRevision();
        }
        throw lostRaces("a claim");
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        byte[] entry = NatsEntry.completed(retention, value).encode();
        return asOwner(key, token, true, claim -> write(key, entry, claim.revision()).isPresent());
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return asOwner(key, token, true, claim -> deleteRevision(key, claim.revision()));
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return asOwner(key, token, false, claim -> {
            long sentAt = System.nanoTime();
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
                return !decode(current).isExpiredAt(current.getCreated().toInstant(), Instant.now());
            }
        }
        throw lostRaces("a delete");
    }

    /**
     * Watches the key for its next revision (a JetStream ordered consumer on the key's subject),
     * so a waiting duplicate wakes as soon as the first request completes or releases. A change
     * made before the watch starts is not seen; the caller's next claim after the timeout is.
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
        catch (IOException | JetStreamApiException ex) {
            IdempotencyStorage.super.awaitChange(key, timeout);
            return;
        }
        try {
            changed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        finally {
            subscription.unsubscribe();
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
        if (entry.isExpiredAt(storedAt, Instant.now())) {
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

    @Override
    public String name() {
        return "nats";
    }

    /**
     * Runs {@code write} for the live claim {@code token} made on {@code key}, holding the claim's
     * monitor so that operations on one token do not compare against the same revision at once.
     * The claim ends when the write fails, or when it succeeds and {@code endsClaim}; on a storage
     * error it stays, because the write may not have happened and the caller may try again.
     *
     * @return {@code false} without a round trip when this instance knows no live claim of {@code token}
     */
    private boolean asOwner(String key, OwnerToken token, boolean endsClaim, Predicate<OwnedClaim> write) {
        OwnedClaim claim = claims.get(token.value());
        if (claim == null || !claim.key().equals(key)) {
            return false;
        }
        synchronized (claim) {
            if (!claim.isLive()) {
                end(token, claim);
                return false;
            }
            boolean written = write.test(claim);
            if (endsClaim || !written) {
                end(token, claim);
            }
            return written;
        }
    }

    private void end(OwnerToken token, OwnedClaim claim) {
        claim.end();
        claims.remove(token.value(), claim);
    }

    /** Writes {@code entry} over {@code expectedRevision} (0: no revision yet); empty when another revision is last. */
    private OptionalLong write(String key, byte[] entry, long expectedRevision) {
        try {
            return OptionalLong.of(keyValue.update(key, entry, expectedRevision));
        }
        catch (JetStreamApiException ex) {
            if (ex.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                return OptionalLong.empty();
            }
            throw failure("write", ex);
        }
        catch (IOException | IllegalStateException ex) {
            throw failure("write", ex);
        }
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
     * the server holds nothing for the key.
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
