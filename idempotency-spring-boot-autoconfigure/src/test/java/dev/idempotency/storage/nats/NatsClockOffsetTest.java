package dev.idempotency.storage.nats;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.idempotency.storage.ClaimResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A storage whose host clock runs ahead of the NATS server's, simulated with an offset clock
 * against the real server: it learns the offset from the server's timestamps of its own writes,
 * and never takes over a lease that only its clock sees ended.
 */
@ExtendWith(OutputCaptureExtension.class)
class NatsClockOffsetTest {

    private static final Duration LEASE = Duration.ofSeconds(2);
    /** Four fifths of the lease: more than the three quarters past which a live lease looks over. */
    private static final Duration AHEAD = Duration.ofMillis(1600);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Room for a round trip and a loaded machine, in the estimate and in the takeover's timing. */
    private static final Duration SLACK = Duration.ofMillis(300);

    private Connection connection;
    private String bucket;
    private NatsIdempotencyStorage inStep;
    private NatsIdempotencyStorage ahead;

    @BeforeEach
    void createBucket() throws Exception {
        connection = NatsTestServer.connect();
        bucket = NatsTestServer.bucketName();
        new NatsBucketProvisioner(connection).ensure(new NatsBucketSettings(bucket, 1, StorageType.File,
                Duration.ZERO, false), Duration.ofMinutes(5));
        inStep = new NatsIdempotencyStorage(connection, bucket, TIMEOUT);
        ahead = new NatsIdempotencyStorage(connection, bucket, TIMEOUT, Clock.offset(Clock.systemUTC(), AHEAD),
                ClockOffset.SAMPLE_EVERY);
    }

    @AfterEach
    void deleteBucket() throws Exception {
        NatsTestServer.deleteBucket(connection, bucket);
        connection.close();
    }

    @Test
    void theOffsetIsEstimatedWhenTheStorageIsCreatedFromTheServersTimestampOfItsOwnWrite() {
        ClockOffset.Bounds skewed = ahead.clockOffset().bounds();
        ClockOffset.Bounds synchronised = inStep.clockOffset().bounds();

        assertThat(skewed.estimate()).isBetween(AHEAD.minus(SLACK), AHEAD.plus(SLACK));
        assertThat(skewed.atMostNanos()).as("the most it may be ahead").isGreaterThanOrEqualTo(AHEAD.toNanos()
                - Duration.ofMillis(5).toNanos());
        assertThat(synchronised.estimate().abs()).isLessThan(SLACK);
    }

    @Test
    void aClockAheadByMostOfALeaseNeverTakesOverALiveLease() throws Exception {
        String key = "clock-ahead";
        long claimedAt = System.nanoTime();
        assertThat(inStep.attemptLock(key, bytes("first"), LEASE)).isInstanceOf(ClaimResult.Acquired.class);

        // From here, the clock that is ahead reads the lease as over; the server's has most of it left.
        Thread.sleep(LEASE.minus(AHEAD).plusMillis(200).toMillis());
        while (System.nanoTime() - claimedAt < LEASE.minus(SLACK).toNanos()) {
            assertThat(ahead.attemptLock(key, bytes("second"), LEASE)).as("a claim on a live lease")
                    .isInstanceOf(ClaimResult.Held.class);
            Thread.sleep(100);
        }

        Thread.sleep(Math.max(0, LEASE.plus(AHEAD).plus(SLACK).toNanos() - (System.nanoTime() - claimedAt)) / 1_000_000);
        assertThat(ahead.attemptLock(key, bytes("second"), LEASE)).as("a claim past the lease and the offset")
                .isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void anOffsetAboveAQuarterOfTheLeaseIsLoggedAsAWarning(CapturedOutput output) {
        inStep.attemptLock("in-step", bytes("v"), LEASE);
        assertThat(output).doesNotContain("the NATS server's");

        ahead.attemptLock("ahead", bytes("v"), LEASE);
        assertThat(output).contains("WARN").contains("ms ahead of the NATS server's").contains("bucket '" + bucket + "'")
                .contains("lease of 2000 ms");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
