/**
 * The JDBC storage: one table in the application's database, one statement per operation through
 * Spring's {@code JdbcClient}, the database's clock and row locks deciding. The SQL particular to a
 * database lives in its dialect, chosen from the connection's metadata; the schema scripts are
 * beside these classes in the jar.
 */
package dev.idempotency.storage.jdbc;
