/** The {@code @Idempotent} annotation, shared by the web layer and the bean-method advisor. */
package dev.idempotency.annotation;
