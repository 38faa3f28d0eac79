/**
 * A small orders and payments API that shows the idempotency starter at work: orders opt in with
 * {@code @Idempotent}, payments through {@code idempotency.web.paths} in the configuration.
 */
package dev.idempotency.sample;
