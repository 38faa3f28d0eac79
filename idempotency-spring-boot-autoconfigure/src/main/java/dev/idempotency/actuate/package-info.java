/**
 * Operating the starter: Micrometer metrics of requests and storage calls, an observation per
 * idempotent execution, a health indicator that pings the storage, and the {@code idempotency}
 * actuator endpoint that shows or evicts one key.
 */
package dev.idempotency.actuate;
