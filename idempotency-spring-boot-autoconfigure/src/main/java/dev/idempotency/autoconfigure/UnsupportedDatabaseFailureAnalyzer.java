package dev.idempotency.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.idempotency.storage.jdbc.JdbcDialect;
import dev.idempotency.storage.jdbc.UnsupportedDatabaseException;

/** Explains a JDBC storage on a database it has no dialect for. */
class UnsupportedDatabaseFailureAnalyzer extends AbstractFailureAnalyzer<UnsupportedDatabaseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedDatabaseException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Point the application's DataSource at " + JdbcDialect.SUPPORTED + ", or choose another storage with "
                        + "idempotency.storage.type (memory, redis or nats).",
                cause);
    }
}
