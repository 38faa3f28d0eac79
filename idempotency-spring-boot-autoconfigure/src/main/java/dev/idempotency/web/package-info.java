/**
 * The HTTP rules every web stack shares: the key header, which routes are protected, the claim
 * at handler start and what its outcome means over HTTP, the fingerprint's inputs, which
 * responses are stored, replayed headers, and the RFC 9457 problem responses. The stacks' adapters
 * live in {@code web.servlet} and {@code web.reactive}; this package knows neither.
 */
package dev.idempotency.web;
