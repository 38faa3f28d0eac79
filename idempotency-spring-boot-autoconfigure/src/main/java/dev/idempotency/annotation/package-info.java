/** The {@code @Idempotent} annotation, shared by the web layer and the aspect. */
package dev.idempotency.annotation;
