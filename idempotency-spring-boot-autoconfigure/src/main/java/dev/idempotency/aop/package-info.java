/**
 * {@code @Idempotent(key = ...)} on Spring bean methods: the advisor and interceptor that run them
 * on the same engine as the web layer, and the rules that tell at start-up which annotated
 * methods could not be protected.
 */
package dev.idempotency.aop;
