/**
 * The Spring MVC adapter of the web rules: the filter that marks and captures an exchange, the
 * handler adapter that claims keys as handlers start, the servlet dispatch types (request,
 * forward, async, error) decided in one place, replays and problem responses written to the
 * servlet response.
 */
package dev.idempotency.web.servlet;
