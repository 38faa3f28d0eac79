/** Auto-configuration: properties, the storage selection, and the wiring of engine, web and aspect. */
package dev.idempotency.autoconfigure;
