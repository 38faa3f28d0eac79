/**
 * The programmatic API: {@code IdempotencyTemplate} runs any work at most once per key, for
 * message listeners and batch jobs; the {@code @Idempotent} advisor runs through it.
 */
package dev.idempotency.template;
