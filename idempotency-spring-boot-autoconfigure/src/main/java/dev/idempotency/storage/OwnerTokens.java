package dev.idempotency.storage;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues {@link OwnerToken}s for one storage instance: a random UUID drawn once, then a counter.
 * Unique across instances sharing a store, and cheap to issue: a claim takes no lock on a shared
 * random source. Tokens never leave the process, so they need to be unique, not unguessable.
 */
public final class OwnerTokens {

    private final String prefix = UUID.randomUUID() + "-";
    private final AtomicLong issued = new AtomicLong();

    /** {@return a token no claim, in this instance or any other, has had before} */
    public OwnerToken next() {
        return new OwnerToken(prefix + issued.incrementAndGet());
    }
}
