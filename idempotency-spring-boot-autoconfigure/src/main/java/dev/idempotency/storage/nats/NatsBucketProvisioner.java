package dev.idempotency.storage.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.ServerInfo;
import io.nats.client.api.StorageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.storage.IdempotencyStorageException;

/**
 * Makes sure the bucket of a {@link NatsIdempotencyStorage} exists with settings that keep the
 * storage contract, before the storage uses it.
 *
 * <p>An absent bucket is created from the {@link NatsBucketSettings}, with one revision of history
 * per key (the storage only ever compares against the last one) and a max age no shorter than the
 * retention. An existing bucket is refused with an {@link IllegalStateException} that names the
 * problem and the fix when it would break the guarantees, unless
 * {@link NatsBucketSettings#adoptExisting()} says to use it anyway:
 * <ul>
 *   <li>memory storage where file storage was asked: a server restart would forget entries, and
 *       requests already processed would run again;</li>
 *   <li>a max age shorter than the retention: the server would drop completed entries early;</li>
 *   <li>fewer replicas than asked.</li>
 * </ul>
 * A longer history or max age is accepted: it costs space, not correctness.
 *
 * <p>A bucket of more than one replica, to be created or found, is refused with an
 * {@link IllegalStateException} when the server the connection reached runs nats-server older
 * than {@value #SAFE_REPLICATED_VERSION}, unless {@link NatsBucketSettings#allowUnsafeReplicas()}
 * says to use it anyway (logged as a WARN): before that release, a replicated stream does not
 * serialise the expected-last-sequence checks of concurrent writes (nats-server issue 4320), so
 * two claims can both win a key, and a claim after a release or a takeover of an expired entry
 * ran several times in a row with no fault at all on a three-node 2.9.10 cluster. The connection
 * tells the version of the server it reached only; the other servers of a cluster appear in its
 * information by address, so the check cannot see an older server elsewhere in the cluster.
 */
public final class NatsBucketProvisioner {

    /** The first nats-server release whose replicated streams serialise revision checks. */
    public static final String SAFE_REPLICATED_VERSION = "2.9.21";

    private static final Logger logger = LoggerFactory.getLogger(NatsBucketProvisioner.class);

    /** JetStream's "stream not found": the bucket does not exist. */
    private static final int STREAM_NOT_FOUND = 10059;

    private final Connection connection;
    private final KeyValueManagement management;

    /**
     * Creates a provisioner that manages buckets through {@code connection}, which stays the
     * caller's to close.
     *
     * @param connection an open connection to a NATS server
     * @throws IdempotencyStorageException when JetStream is not available on the connection
     */
    public NatsBucketProvisioner(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        try {
            this.management = connection.keyValueManagement();
        }
        catch (IOException ex) {
            throw new IdempotencyStorageException("NATS JetStream is not available: " + ex.getMessage(), ex);
        }
    }

    /**
     * Creates the bucket when absent, or checks the existing one.
     *
     * @param settings how the bucket is created, and whether a mismatching one is used anyway
     * @param retention the longest time an entry must outlive its last write: the retention of
     *     completed entries, or the lease when that is longer
     * @return the status of the bucket the storage will use
     * @throws IllegalStateException when the bucket exists with settings that break the guarantees
     *     and {@link NatsBucketSettings#adoptExisting()} is false, or when it would have or has more
     *     than one replica on a server older than {@value #SAFE_REPLICATED_VERSION} and
     *     {@link NatsBucketSettings#allowUnsafeReplicas()} is false
     * @throws IdempotencyStorageException when NATS cannot answer
     */
    public KeyValueStatus ensure(NatsBucketSettings settings, Duration retention) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(retention, "retention");
        try {
            KeyValueStatus existing = find(settings.name());
            if (existing != null) {
                return adopted(existing, settings, retention);
            }
            refuseUnsafeReplicas(settings.replicas(), settings);
            return create(settings, retention);
        }
        catch (IOException | JetStreamApiException ex) {
            throw new IdempotencyStorageException("Could not ensure NATS KV bucket '" + settings.name() + "': "
                    + ex.getMessage(), ex);
        }
    }

    private KeyValueStatus create(NatsBucketSettings settings, Duration retention)
            throws IOException, JetStreamApiException {
        Duration maxAge = settings.maxAge().compareTo(retention) >= 0 ? settings.maxAge() : retention;
        KeyValueConfiguration configuration = KeyValueConfiguration.builder(settings.name())
                .storageType(settings.storageType())
                .replicas(settings.replicas())
                .maxHistoryPerKey(1)
                .ttl(maxAge)
                .build();
        try {
            return management.create(configuration);
        }
        catch (JetStreamApiException ex) {
            // Another instance may have created it first, possibly with other settings: judge that one.
            KeyValueStatus raced = find(settings.name());
            if (raced == null) {
                throw ex;
            }
            return adopted(raced, settings, retention);
        }
    }

    private KeyValueStatus find(String name) throws IOException, JetStreamApiException {
        try {
            return management.getStatus(name);
        }
        catch (JetStreamApiException ex) {
            if (ex.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw ex;
        }
    }

    private KeyValueStatus adopted(KeyValueStatus existing, NatsBucketSettings settings, Duration retention) {
        refuseUnsafeReplicas(existing.getReplicas(), settings);
        return checked(existing, settings, retention);
    }

    /** Refuses {@code replicas} above one on a server older than {@value #SAFE_REPLICATED_VERSION}. */
    private void refuseUnsafeReplicas(int replicas, NatsBucketSettings settings) {
        ServerInfo server = connection.getServerInfo();
        if (replicas <= 1 || !server.isOlderThanVersion(SAFE_REPLICATED_VERSION)) {
            return;
        }
        String problem = "NATS KV bucket '" + settings.name() + "' has " + replicas + " replicas on nats-server "
                + server.getVersion() + " (server " + server.getServerName() + "), older than "
                + SAFE_REPLICATED_VERSION + ": before " + SAFE_REPLICATED_VERSION + " a replicated stream does not "
                + "serialise the revision checks of concurrent writes (nats-server issue 4320), so two instances can "
                + "both win the same claim and a request can run twice";
        if (settings.allowUnsafeReplicas()) {
            logger.warn("{}; used anyway, as allowUnsafeReplicas says", problem);
            return;
        }
        throw new IllegalStateException(problem + ". Fix: upgrade every server of the cluster to "
                + SAFE_REPLICATED_VERSION + " or later, or use a bucket of 1 replica; allowUnsafeReplicas "
                + "(idempotency.storage.nats.allow-unsafe-replicas) starts anyway.");
    }

    private static KeyValueStatus checked(KeyValueStatus existing, NatsBucketSettings settings, Duration retention) {
        List<String> problems = new ArrayList<>();
        if (settings.storageType() == StorageType.File && existing.getStorageType() == StorageType.Memory) {
            problems.add("it keeps entries in memory where file storage was asked, so a server restart "
                    + "would forget them and requests already processed would run again");
        }
        Duration maxAge = existing.getTtl();
        if (!maxAge.isZero() && maxAge.compareTo(retention) < 0) {
            problems.add("its max age " + maxAge + " is shorter than the retention " + retention
                    + ", so the server would drop completed entries early");
        }
        if (existing.getReplicas() < settings.replicas()) {
            problems.add("it has " + existing.getReplicas() + " replica(s) where " + settings.replicas()
                    + " were asked");
        }
        if (problems.isEmpty() || settings.adoptExisting()) {
            return existing;
        }
        throw new IllegalStateException("NATS KV bucket '" + settings.name()
                + "' exists with settings that break the idempotency guarantees: " + String.join("; ", problems)
                + ". Fix: delete the bucket so that it is created with the asked settings (nats kv del "
                + settings.name() + "), change the bucket or the settings so that they match, or set "
                + "adoptExisting to use the bucket as it is.");
    }
}
