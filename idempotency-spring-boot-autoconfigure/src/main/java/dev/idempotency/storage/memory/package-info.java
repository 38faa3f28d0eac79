/** The in-memory storage: the embedded default, for one instance and for tests. */
package dev.idempotency.storage.memory;
