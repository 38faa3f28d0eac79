package dev.idempotency.benchmarks.floor;

import java.util.concurrent.ConcurrentHashMap;

/** {@code putIfAbsent} then {@code put} on a map: what an in-process store cannot do with less. */
final class MemoryFloorStore implements FloorStore {

    private final ConcurrentHashMap<String, byte[]> entries = new ConcurrentHashMap<>();

    @Override
    public Claim claim(String key) {
        return new Claim(key, entries.putIfAbsent(key, IN_PROGRESS), 0);
    }

    @Override
    public void complete(Claim claim, byte[] response) {
        entries.put(claim.key(), response);
    }

    @Override
    public void close() {
        entries.clear();
    }
}
