package dev.idempotency.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.idempotency.storage.jdbc.JdbcSchemaException;

/** Explains a JDBC storage table that is missing or differs from its script, and the ways to create it. */
class JdbcStorageFailureAnalyzer extends AbstractFailureAnalyzer<JdbcSchemaException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, JdbcSchemaException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Run " + cause.getScript() + " against the database (or add it to your Flyway or Liquibase "
                        + "migrations, as the README shows), or set idempotency.storage.jdbc.initialize-schema=always "
                        + "to have it run at start-up. A table created by hand must match the script.",
                cause);
    }
}
