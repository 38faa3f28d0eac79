/**
 * The NATS storage: entries in a JetStream key-value bucket, claimed and changed by
 * compare-and-set on their revision, expired by the server's timestamp of each revision.
 */
package dev.idempotency.storage.nats;
