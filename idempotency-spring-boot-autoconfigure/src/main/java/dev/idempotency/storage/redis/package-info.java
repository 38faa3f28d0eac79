/**
 * The Redis storage: one key per entry, each operation one Lua script (or one command) run by the
 * Redis server, so Redis's clock and atomicity decide. Works with whatever connection Spring Data
 * Redis provides: standalone, Sentinel, Cluster, TLS.
 */
package dev.idempotency.storage.redis;
