package dev.idempotency.benchmarks.floor;

import java.time.Duration;

/**
 * The fewest commands of one store for an idempotent request: a claim that answers what the key
 * holds when it is taken, and a completion that replaces the claim with the response.
 */
interface FloorStore extends AutoCloseable {

    /** What a claim holds while its request runs: one byte, never a stored response's first. */
    byte[] IN_PROGRESS = { 0 };

    /** How long a claim holds its key: the library's default lease. */
    Duration LEASE = Duration.ofSeconds(30);

    /** How long a response is kept: long enough for a run, short enough to clean up after one. */
    Duration RETENTION = Duration.ofMinutes(10);

    /**
     * Claims {@code key} with {@link #IN_PROGRESS} when nothing holds it.
     *
     * @return the claim, won or holding what the key held
     */
    Claim claim(String key);

    /** Replaces the won {@code claim} with {@code response}, kept for {@link #RETENTION}. */
    void complete(Claim claim, byte[] response);

    @Override
    void close();

    /**
     * One claim's answer.
     *
     * @param held what the key held, or {@code null} when this claim took it
     * @param revision the store's revision of the claim, where completing needs it (NATS); 0 otherwise
     */
    record Claim(String key, byte[] held, long revision) {

        boolean won() {
            return held == null;
        }
    }
}
