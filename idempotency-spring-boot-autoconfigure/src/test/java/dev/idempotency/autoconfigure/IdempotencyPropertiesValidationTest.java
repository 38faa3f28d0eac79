package dev.idempotency.autoconfigure;

import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.engine.IdempotencyKeeper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A value that breaks a rule of {@code idempotency.*} fails start-up with Boot's failure
 * analysis: the property, the value and the rule, never a stack trace of the library's own.
 */
@ExtendWith(OutputCaptureExtension.class)
class IdempotencyPropertiesValidationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class));

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            idempotency.ttl                           | 0s           | must be longer than zero
            idempotency.ttl                           | -1h          | must be longer than zero
            idempotency.lease                         | 0ms          | must be longer than zero
            idempotency.lease                         | -5s          | must be longer than zero
            idempotency.key-prefix                    | orders:      | letters, digits and - _ = .
            idempotency.wait-timeout                  | -1s          | must not be negative
            idempotency.storage.timeout               | 0s           | must be longer than zero
            idempotency.storage.memory.max-entries    | 0            | at least 1
            idempotency.storage.memory.sweep-interval | 0s           | must be longer than zero
            idempotency.storage.nats.replicas         | 7            | 1 to 5
            idempotency.storage.nats.bucket           | my.bucket    | NATS bucket name
            idempotency.storage.nats.max-age          | -1m          | must not be negative
            idempotency.storage.redis.replica-acks    | -1           | must be 0 or more
            idempotency.storage.redis.replica-ack-timeout | 0ms      | must be longer than zero
            idempotency.storage.jdbc.cleanup-interval | 0s           | must be longer than zero
            idempotency.storage.jdbc.cleanup-batch-size | 0          | at least 1
            idempotency.web.header-name               | Idem Key     | HTTP header name
            idempotency.web.tenant-header             | 'X Tenant'   | HTTP header name
            idempotency.web.max-key-length            | 0            | at least 1
            idempotency.web.max-request-size          | 0B           | from 1B
            idempotency.web.max-request-size          | 3GB          | from 1B
            idempotency.web.max-response-size         | 0B           | from 1B
            idempotency.web.methods                   | 'PO ST'      | HTTP methods
            idempotency.web.never-stored-statuses     | 42           | from 100 to 599
            idempotency.web.retry-after               | -1s          | must not be negative
            idempotency.web.problem-type-base         | 'urn: bad'   | URI
            """)
    void aValueOutOfItsRangeFailsStartUpWithAnAnalysisNamingThePropertyAndTheRule(String property, String value,
            String rule) {
        runner.withPropertyValues(property + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis).as("Boot's failure analysis").isNotNull();
            assertThat(analysis.getDescription()).contains(property).contains(rule);
        });
    }

    @Test
    void theDefaultsPassEveryRule() {
        runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(IdempotencyKeeper.class));
    }

    @Test
    void aLeaseLongerThanTheTtlStartsWithAWarningThatSaysWhy(CapturedOutput output) {
        runner.withPropertyValues("idempotency.ttl=10s", "idempotency.lease=30s").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output).contains("idempotency.lease (PT30S) is longer than idempotency.ttl (PT10S)");
        });
    }

    private static FailureAnalysis analyze(Throwable failure) {
        // The analyzers Boot registers; those that need the bean factory are not the ones wanted here.
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(
                IdempotencyPropertiesValidationTest.class.getClassLoader()).load(FailureAnalyzer.class,
                        SpringFactoriesLoader.ArgumentResolver.none(),
                        SpringFactoriesLoader.FailureHandler.handleMessage((message, notLoaded) -> {
                        }));
        return analyzers.stream().map(analyzer -> analyzer.analyze(failure)).filter(Objects::nonNull).findFirst()
                .orElse(null);
    }
}
