package dev.idempotency.web;

import java.util.Map;

/** A handler slower than its lease on the in-memory storage: renewed, so run once. */
class MemoryLongHandlerWebTest extends LongHandlerWebTest {

    @Override
    protected Map<String, Object> storageProperties() {
        return Map.of("idempotency.storage.type", "memory");
    }
}
