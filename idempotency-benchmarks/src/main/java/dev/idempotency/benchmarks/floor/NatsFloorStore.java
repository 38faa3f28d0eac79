package dev.idempotency.benchmarks.floor;

import java.io.IOException;
import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;

import dev.idempotency.storage.nats.NatsBucketProvisioner;
import dev.idempotency.storage.nats.NatsBucketSettings;

/**
 * jnats' key-value calls on a bucket of the floor's own, created as the library creates its
 * bucket (file storage, one replica, history 1) and deleted on close: {@code get}, and when the
 * key is absent {@code create} then {@code update} over the created revision. A replay is one
 * {@code get}; a fresh key three requests, as many as the library's claim and completion send.
 */
final class NatsFloorStore implements FloorStore {

    private final Connection connection;
    private final String bucket;
    private final KeyValue keyValue;

    NatsFloorStore(Connection connection, String bucket) throws IOException {
        this.connection = connection;
        this.bucket = bucket;
        new NatsBucketProvisioner(connection).ensure(new NatsBucketSettings(bucket, 1, StorageType.File, Duration.ZERO,
                false), RETENTION);
        this.keyValue = connection.keyValue(bucket);
    }

    @Override
    public Claim claim(String key) {
        try {
            KeyValueEntry entry = keyValue.get(key);
            if (entry != null) {
                return new Claim(key, entry.getValue(), 0);
            }
            return new Claim(key, null, keyValue.create(key, IN_PROGRESS));
        }
        catch (IOException | JetStreamApiException ex) {
            throw new IllegalStateException("The NATS floor could not claim a key", ex);
        }
    }

    @Override
    public void complete(Claim claim, byte[] response) {
        try {
            keyValue.update(claim.key(), response, claim.revision());
        }
        catch (IOException | JetStreamApiException ex) {
            throw new IllegalStateException("The NATS floor could not complete a key", ex);
        }
    }

    @Override
    public void close() {
        try {
            connection.keyValueManagement().delete(bucket);
            connection.close();
        }
        catch (IOException | JetStreamApiException ex) {
            throw new IllegalStateException("Could not delete the NATS floor's bucket " + bucket, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
