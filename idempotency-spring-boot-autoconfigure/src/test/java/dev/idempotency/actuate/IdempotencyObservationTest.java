package dev.idempotency.actuate;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.ResultCodec;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.testsupport.Utf8Codec;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One {@code idempotency} observation per execution, on a real engine over the in-memory storage. */
class IdempotencyObservationTest {

    private static final String KEY = "secret-client-key-4711";

    private static final ResultCodec<String> CODEC = Utf8Codec.PLAIN;

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "observed.", Duration.ofMinutes(5),
            Duration.ofSeconds(30), FailureMode.FAIL_CLOSED, new IdempotencyObservationListener(registry));

    private final IdempotencyKey key = new IdempotencyKey("orders", KEY);
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("order A").build();

    @AfterEach
    void close() {
        keeper.close();
        storage.close();
    }

    @Test
    void anExecutionIsObservedWithItsOutcomeAndStorageAsLowCardinalityValues() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");

        assertThat(registry).hasSingleObservationThat()
                .hasNameEqualTo("idempotency")
                .hasContextualNameEqualTo("idempotency")
                .hasLowCardinalityKeyValue("outcome", "executed")
                .hasLowCardinalityKeyValue("storage", "memory")
                .hasKeyValuesCount(2)
                .hasBeenStarted()
                .hasBeenStopped();
    }

    @Test
    void eachRequestIsItsOwnObservationTaggedWithItsOwnOutcome() {
        OwnedKey first = (OwnedKey) keeper.claim(key, fingerprint);
        assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                .isInstanceOf(IdempotentRequestInProgressException.class);
        first.complete(CODEC.encode("created"));
        keeper.execute(key, fingerprint, CODEC, () -> "created again");

        assertThat(registry).hasNumberOfObservationsWithNameEqualTo("idempotency", 3)
                .hasAnObservationWithAKeyValue("outcome", "executed")
                .hasAnObservationWithAKeyValue("outcome", "conflict")
                .hasAnObservationWithAKeyValue("outcome", "replayed")
                .forAllObservationsWithNameEqualTo("idempotency",
                        observation -> observation.hasLowCardinalityKeyValue("storage", "memory"));
    }

    @Test
    void theKeyIsInNoKeyValueOfAnyObservation() {
        keeper.execute(key, fingerprint, CODEC, () -> "created");
        keeper.execute(key, fingerprint, CODEC, () -> "created again");

        assertThat(registry).hasHandledContextsThatSatisfy(contexts -> assertThat(contexts).isNotEmpty()
                .allSatisfy(context -> assertThat(context.getAllKeyValues())
                        .extracting(KeyValue::getValue)
                        .noneMatch(value -> value.contains(KEY))));
    }

    @Test
    void anExecutionEndedOnAnotherThreadIsStoppedThereAndOpensNoScope() throws Exception {
        OwnedKey owned = (OwnedKey) keeper.claim(key, fingerprint);
        Observation current = registry.getCurrentObservation();

        CompletableFuture.runAsync(() -> owned.complete(CODEC.encode("created"))).get();

        assertThat(current).isNull();
        assertThat(registry).hasSingleObservationThat()
                .hasLowCardinalityKeyValue("outcome", "executed")
                .hasBeenStopped();
    }
}
