package dev.idempotency.engine;

import dev.idempotency.storage.OwnerToken;

/**
 * The mark that the work on a key claimed under {@link Takeover#NEVER} started: an entry under
 * its own storage key, owned by {@code token}, kept for the retention unless the claim is released.
 */
record StartMark(String key, OwnerToken token) {
}
