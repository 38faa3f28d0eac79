/**
 * The storage SPI: leased, owner-checked entries of opaque bytes. Backends live in sub-packages
 * and know nothing of the engine's encoding, of HTTP or of Spring Boot.
 */
package dev.idempotency.storage;
