/**
 * The engine: key derivation, request fingerprints, the claim, run, complete or release state
 * machine and the stored state's encoding. Knows the storage SPI and nothing of HTTP, AOP or Boot.
 */
package dev.idempotency.engine;
