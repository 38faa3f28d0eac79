package dev.idempotency.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a storage selected without its client library, and names the dependency to add. */
class StorageLibraryMissingFailureAnalyzer extends AbstractFailureAnalyzer<StorageLibraryMissingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StorageLibraryMissingException cause) {
        StorageType type = cause.getType();
        return new FailureAnalysis(
                "idempotency.storage.type is '" + type.value() + "', but the " + type.value()
                        + " client library is not on the classpath.",
                "Add the dependency " + type.dependency() + " to your build, or choose another storage with "
                        + "idempotency.storage.type (memory needs no dependency).",
                cause);
    }
}
