package dev.idempotency.storage.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.idempotency.storage.OwnerToken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsEntryTest {

    @Test
    void anInProgressEntryIsEncodedInTheDocumentedLayout() {
        byte[] encoded = NatsEntry.inProgress(new OwnerToken("ab"), Duration.ofMillis(258), bytes("xy")).encode();

        assertThat(encoded).containsExactly(1, 'P', 0, 0, 0, 0, 0, 0, 1, 2, 0, 2, 'a', 'b', 'x', 'y');
    }

    @Test
    void aCompletedEntryHasNoOwner() {
        byte[] encoded = NatsEntry.completed(Duration.ofMillis(1), new byte[0]).encode();

        assertThat(encoded).containsExactly(1, 'C', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
    }

    @Test
    void everyByteValueAndAnEmptyPayloadSurviveTheRoundTrip() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        NatsEntry decoded = NatsEntry.decode(
                NatsEntry.inProgress(new OwnerToken("owner-1"), Duration.ofSeconds(30), everyByte).encode());

        assertThat(decoded.completed()).isFalse();
        assertThat(decoded.owner()).isEqualTo("owner-1");
        assertThat(decoded.lifeMillis()).isEqualTo(30_000);
        assertThat(decoded.payload()).isEqualTo(everyByte);
        assertThat(NatsEntry.decode(NatsEntry.completed(Duration.ofSeconds(1), new byte[0]).encode()).payload())
                .isEmpty();
    }

    @Test
    void bytesNotWrittenByTheStorageAreRejected() {
        assertThatThrownBy(() -> NatsEntry.decode(bytes("{\"json\":true}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NatsEntry.decode(new byte[] { 1, 'P', 0, 0, 0, 0, 0, 0, 0, 1, 0, 9, 'a' }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEntryExpiresWhenItsLifeFromTheServerTimestampHasPassed() {
        NatsEntry entry = NatsEntry.completed(Duration.ofSeconds(10), new byte[0]);
        Instant stored = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(entry.isExpiredAt(stored, stored.plusMillis(9_999))).isFalse();
        assertThat(entry.isExpiredAt(stored, stored.plusSeconds(10))).isTrue();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
