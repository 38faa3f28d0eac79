/**
 * The engine's fence on Spring's transactions: a {@link org.springframework.transaction.TransactionExecutionListener}
 * that tells the keeper when a transaction begins, and the
 * {@link org.springframework.transaction.support.TransactionSynchronization} through which the
 * claim whose work runs in it is confirmed just before the commit. Knows the engine and spring-tx,
 * nothing of HTTP, AOP or Boot.
 */
package dev.idempotency.transaction;
