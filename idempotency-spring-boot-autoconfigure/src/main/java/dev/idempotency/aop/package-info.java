/** The {@code @Idempotent} aspect for Spring bean methods, on the same engine as the web layer. */
package dev.idempotency.aop;
