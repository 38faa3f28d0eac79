/**
 * Spring MVC integration: the key header, the filter that captures responses, the claim at
 * handler start, replays and RFC 9457 problem responses.
 */
package dev.idempotency.web;
