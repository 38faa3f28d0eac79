package dev.idempotency.storage.nats;

import java.time.Duration;
import java.util.Objects;

import io.nats.client.api.StorageType;

/**
 * How the key-value bucket of a {@link NatsIdempotencyStorage} is created, and whether an existing
 * bucket that does not match is used anyway.
 *
 * @param name the bucket name
 * @param replicas how many servers keep each entry, 1 to 5
 * @param storageType where the servers keep entries; {@link StorageType#File} survives a restart
 * @param maxAge how long the server keeps an entry revision; raised to the retention when shorter,
 *     so {@link Duration#ZERO} means "the retention"
 * @param adoptExisting use an existing bucket whose settings break the guarantees, rather than
 *     refusing to start
 * @param allowUnsafeReplicas use a bucket of more than one replica on a server older than
 *     {@value NatsBucketProvisioner#SAFE_REPLICATED_VERSION}, where claims can be won twice,
 *     rather than refusing to start
 * @see NatsBucketProvisioner
 */
public record NatsBucketSettings(String name, int replicas, StorageType storageType, Duration maxAge,
        boolean adoptExisting, boolean allowUnsafeReplicas) {

    /**
     * Checks the settings.
     *
     * @param name the bucket name, not blank
     * @param replicas how many servers keep each entry, 1 to 5
     * @param storageType where the servers keep entries
     * @param maxAge how long the server keeps an entry revision, not negative; zero means "the retention"
     * @param adoptExisting use an existing bucket whose settings break the guarantees
     * @param allowUnsafeReplicas use a replicated bucket on a server older than
     *     {@value NatsBucketProvisioner#SAFE_REPLICATED_VERSION}
     * @throws IllegalArgumentException when {@code name} is blank, {@code replicas} is not 1 to 5 or
     *     {@code maxAge} is negative
     */
    public NatsBucketSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storageType, "storageType");
        Objects.requireNonNull(maxAge, "maxAge");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (replicas < 1 || replicas > 5) {
            throw new IllegalArgumentException("replicas must be 1 to 5, was " + replicas);
        }
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, was " + maxAge);
        }
    }

    /**
     * Settings that refuse replicated buckets on servers older than
     * {@value NatsBucketProvisioner#SAFE_REPLICATED_VERSION}.
     *
     * @param name the bucket name, not blank
     * @param replicas how many servers keep each entry, 1 to 5
     * @param storageType where the servers keep entries
     * @param maxAge how long the server keeps an entry revision, not negative; zero means "the retention"
     * @param adoptExisting use an existing bucket whose settings break the guarantees
     * @throws IllegalArgumentException when {@code name} is blank, {@code replicas} is not 1 to 5 or
     *     {@code maxAge} is negative
     */
    public NatsBucketSettings(String name, int replicas, StorageType storageType, Duration maxAge,
            boolean adoptExisting) {
        this(name, replicas, storageType, maxAge, adoptExisting, false);
    }

    /**
     * {@return the defaults: bucket {@code idempotency}, one replica, file storage, max age from the
     * retention, no adoption}
     */
    public static NatsBucketSettings defaults() {
        return new NatsBucketSettings("idempotency", 1, StorageType.File, Duration.ZERO, false);
    }
}
