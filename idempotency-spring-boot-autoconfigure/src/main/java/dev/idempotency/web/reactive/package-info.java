/**
 * The WebFlux adapter of the web rules: the filter that marks and captures an exchange, the
 * handler adapter that claims keys as handler methods are invoked (after their arguments are
 * resolved and validated) without blocking an event loop, and replays and problem responses
 * written to the reactive response.
 */
package dev.idempotency.web.reactive;
