package dev.idempotency.storage.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nats.client.Connection;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsBucketProvisionerTest {

    private static final Duration RETENTION = Duration.ofHours(1);

    private final List<String> buckets = new ArrayList<>();
    private Connection connection;
    private NatsBucketProvisioner provisioner;

    @BeforeEach
    void connect() throws Exception {
        connection = NatsTestServer.connect();
        provisioner = new NatsBucketProvisioner(connection);
    }

    @AfterEach
    void deleteBucketsAndClose() throws Exception {
        for (String bucket : buckets) {
            NatsTestServer.deleteBucket(connection, bucket);
        }
        connection.close();
    }

    @Test
    void anAbsentBucketIsCreatedWithFileStorageTheAskedReplicasAndTheRetentionAsMaxAge() {
        KeyValueStatus status = provisioner.ensure(settings(StorageType.File, Duration.ZERO, false), RETENTION);

        assertThat(status.getStorageType()).isEqualTo(StorageType.File);
        assertThat(status.getReplicas()).isEqualTo(1);
        assertThat(status.getTtl()).isEqualTo(RETENTION);
        assertThat(status.getMaxHistoryPerKey()).isEqualTo(1);
    }

    @Test
    void anAskedMaxAgeLongerThanTheRetentionIsKept() {
        KeyValueStatus status = provisioner.ensure(settings(StorageType.File, Duration.ofHours(2), false), RETENTION);

        assertThat(status.getTtl()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void anAskedMaxAgeShorterThanTheRetentionIsRaisedToIt() {
        KeyValueStatus status = provisioner.ensure(settings(StorageType.File, Duration.ofMinutes(1), false), RETENTION);

        assertThat(status.getTtl()).isEqualTo(RETENTION);
    }

    @Test
    void anExistingMemoryBucketIsRefusedWithWhatIsWrongAndTheFix() throws Exception {
        NatsBucketSettings settings = settings(StorageType.File, Duration.ZERO, false);
        createDirectly(settings.name(), StorageType.Memory, RETENTION);

        assertThatThrownBy(() -> provisioner.ensure(settings, RETENTION))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'" + settings.name() + "'")
                .hasMessageContaining("in memory where file storage was asked")
                .hasMessageContaining("delete the bucket")
                .hasMessageContaining("adoptExisting");
    }

    @Test
    void anExistingBucketWithAMaxAgeShorterThanTheRetentionIsRefused() throws Exception {
        NatsBucketSettings settings = settings(StorageType.File, Duration.ZERO, false);
        createDirectly(settings.name(), StorageType.File, Duration.ofMinutes(5));

        assertThatThrownBy(() -> provisioner.ensure(settings, RETENTION))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("max age PT5M is shorter than the retention PT1H")
                .hasMessageNotContaining("memory");
    }

    @Test
    void aRefusedBucketIsAdoptedAsItIsWhenTheSettingsSaySo() throws Exception {
        NatsBucketSettings settings = settings(StorageType.File, Duration.ZERO, true);
        createDirectly(settings.name(), StorageType.Memory, Duration.ofMinutes(5));

        KeyValueStatus status = provisioner.ensure(settings, RETENTION);

        assertThat(status.getStorageType()).isEqualTo(StorageType.Memory);
        assertThat(status.getTtl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void anExistingBucketThatKeepsTheGuaranteesIsUsedUnchanged() throws Exception {
        NatsBucketSettings settings = settings(StorageType.File, Duration.ZERO, false);
        createDirectly(settings.name(), StorageType.File, Duration.ZERO);

        KeyValueStatus status = provisioner.ensure(settings, RETENTION);

        assertThat(status.getTtl()).isZero();
        assertThat(status.getMaxHistoryPerKey()).isEqualTo(5);
    }

    @Test
    void aMemoryBucketIsCreatedOnlyWhenAsked() {
        KeyValueStatus status = provisioner.ensure(settings(StorageType.Memory, Duration.ZERO, false), RETENTION);

        assertThat(status.getStorageType()).isEqualTo(StorageType.Memory);
    }

    private NatsBucketSettings settings(StorageType storageType, Duration maxAge, boolean adoptExisting) {
        String bucket = NatsTestServer.bucketName();
        buckets.add(bucket);
        return new NatsBucketSettings(bucket, 1, storageType, maxAge, adoptExisting);
    }

    private void createDirectly(String bucket, StorageType storageType, Duration maxAge) throws Exception {
        connection.keyValueManagement().create(KeyValueConfiguration.builder(bucket)
                .storageType(storageType)
                .maxHistoryPerKey(5)
                .ttl(maxAge)
                .build());
    }
}
