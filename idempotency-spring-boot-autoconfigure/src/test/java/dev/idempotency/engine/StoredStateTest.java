package dev.idempotency.engine;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoredStateTest {

    private static final Instant CLAIMED_AT = Instant.parse("2026-01-01T00:00:00.123Z");

    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();

    @Test
    void aResultWrittenInPlaceIsEncodedAsTheSameResultGivenAsBytes() {
        byte[] result = { 0, 1, -1, 42, 7 };

        byte[] written = StoredState.encodeSuccess(fingerprint, CLAIMED_AT, writing(result));

        assertThat(written).isEqualTo(StoredState.success(fingerprint, CLAIMED_AT, result).encode());
        StoredState decoded = StoredState.decode(written);
        assertThat(decoded.status()).isEqualTo(StoredState.Status.SUCCESS);
        assertThat(decoded.fingerprint()).isEqualTo(fingerprint);
        assertThat(decoded.claimedAt()).isEqualTo(CLAIMED_AT);
        assertThat(decoded.result()).containsExactly(result);
    }

    @Test
    void aNotReplayableStateIsStoredAsStatusTwoWithNoResult() {
        byte[] encoded = StoredState.notReplayable(fingerprint, CLAIMED_AT).encode();

        assertThat(encoded[1]).as("the status byte, after IN_PROGRESS 0 and SUCCESS 1").isEqualTo((byte) 2);
        StoredState decoded = StoredState.decode(encoded);
        assertThat(decoded.status()).isEqualTo(StoredState.Status.NOT_REPLAYABLE);
        assertThat(decoded.fingerprint()).isEqualTo(fingerprint);
        assertThat(decoded.claimedAt()).isEqualTo(CLAIMED_AT);
        assertThat(decoded.result()).isEmpty();
    }

    @Test
    void anEmptyResultWrittenInPlaceIsEncodedAsAnEmptyResult() {
        byte[] written = StoredState.encodeSuccess(fingerprint, CLAIMED_AT, writing(new byte[0]));

        assertThat(written).isEqualTo(StoredState.success(fingerprint, CLAIMED_AT, new byte[0]).encode());
    }

    @Test
    void aWriterThatWritesMoreThanItsLengthIsRefused() {
        ResultWriter overlong = new ResultWriter() {

            @Override
            public int length() {
                return 2;
            }

            @Override
            public void writeTo(byte[] target, int offset) {
                System.arraycopy(new byte[3], 0, target, offset, 3);
            }
        };

        assertThatThrownBy(() -> StoredState.encodeSuccess(fingerprint, CLAIMED_AT, overlong))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static ResultWriter writing(byte[] result) {
        return new ResultWriter() {

            @Override
            public int length() {
                return result.length;
            }

            @Override
            public void writeTo(byte[] target, int offset) {
                System.arraycopy(result, 0, target, offset, result.length);
            }
        };
    }
}
