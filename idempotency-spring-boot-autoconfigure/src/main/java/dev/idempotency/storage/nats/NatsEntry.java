package dev.idempotency.storage.nats;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import dev.idempotency.storage.OwnerToken;

/**
 * The value of one bucket entry: its state, its owner, how long it lives after the server stored
 * it, and the caller's bytes. The byte layout is described on {@link NatsIdempotencyStorage}.
 *
 * @param completed whether the entry is completed rather than in progress
 * @param owner the owner token of an in-progress entry; empty when completed
 * @param lifeMillis the lease or the retention, in milliseconds from the server's timestamp
 * @param payload the caller's bytes
 */
record NatsEntry(boolean completed, String owner, long lifeMillis, byte[] payload) {

    private static final byte FORMAT = 1;
    private static final byte IN_PROGRESS = 'P';
    private static final byte COMPLETED = 'C';
    private static final int HEADER_LENGTH = 12;

    static NatsEntry inProgress(OwnerToken owner, Duration lease, byte[] payload) {
        return new NatsEntry(false, owner.value(), lease.toMillis(), payload);
    }

    static NatsEntry completed(Duration retention, byte[] payload) {
        return new NatsEntry(true, "", retention.toMillis(), payload);
    }

    byte[] encode() {
        byte[] ownerBytes = owner.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(HEADER_LENGTH + ownerBytes.length + payload.length)
                .put(FORMAT)
                .put(completed ? COMPLETED : IN_PROGRESS)
                .putLong(lifeMillis)
                .putShort((short) ownerBytes.length)
                .put(ownerBytes)
                .put(payload)
                .array();
    }

    /** @throws IllegalArgumentException when {@code bytes} were not written by {@link #encode()} */
    static NatsEntry decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_LENGTH || bytes[0] != FORMAT
                || (bytes[1] != IN_PROGRESS && bytes[1] != COMPLETED)) {
            throw new IllegalArgumentException("not an idempotency entry of format " + FORMAT);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
        long lifeMillis = buffer.getLong();
        int ownerLength = Short.toUnsignedInt(buffer.getShort());
        if (ownerLength > buffer.remaining()) {
            throw new IllegalArgumentException("owner token runs past the end of the entry");
        }
        String owner = new String(bytes, HEADER_LENGTH, ownerLength, StandardCharsets.UTF_8);
        byte[] payload = Arrays.copyOfRange(bytes, HEADER_LENGTH + ownerLength, bytes.length);
        return new NatsEntry(bytes[1] == COMPLETED, owner, lifeMillis, payload);
    }

    /** Whether the lease or retention has ended, counted from {@code storedAt}, the server's timestamp. */
    boolean isExpiredAt(Instant storedAt, Instant now) {
        return !now.isBefore(storedAt.plusMillis(lifeMillis));
    }
}
