package dev.idempotency.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Lists the {@code @Idempotent} methods that cannot be protected, and what to do about each kind. */
class UnprotectedIdempotentMethodsFailureAnalyzer extends AbstractFailureAnalyzer<UnprotectedIdempotentMethodsException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnprotectedIdempotentMethodsException cause) {
        return new FailureAnalysis(
                "@Idempotent cannot protect these methods; each would run unprotected, or fail on every call:\n - "
                        + String.join("\n - ", cause.getProblems()),
                "Fix each method as its line says: make it public or protected and not final or static, call it "
                        + "through its bean (calls from the same object bypass the proxy), name a key on bean methods "
                        + "(@Idempotent(key = \"#id\")) that reads only its parameters, return a type Jackson can "
                        + "read back and CompletableFuture or CompletionStage for asynchronous results; or remove "
                        + "@Idempotent from it.",
                cause);
    }
}
