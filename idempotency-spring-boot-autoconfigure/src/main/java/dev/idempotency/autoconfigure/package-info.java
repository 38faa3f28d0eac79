/** Auto-configuration: properties, the storage selection, and the wiring of engine, web and the bean-method advisor. */
package dev.idempotency.autoconfigure;
