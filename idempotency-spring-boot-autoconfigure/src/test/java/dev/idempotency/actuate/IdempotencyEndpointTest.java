package dev.idempotency.actuate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.actuate.IdempotencyEndpoint.KeyDescriptor;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.web.StoredResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator endpoint's answers, on a real engine over the in-memory storage. */
class IdempotencyEndpointTest {

    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final IdempotencyKeeper keeper = new IdempotencyKeeper(storage, "endpoint.", Duration.ofHours(1),
            Duration.ofSeconds(30));
    private final IdempotencyEndpoint endpoint = new IdempotencyEndpoint(keeper);
    private final RequestFingerprint fingerprint = RequestFingerprint.builder().add("POST /orders").build();

    @AfterEach
    void close() {
        keeper.close();
        storage.close();
    }

    @Test
    void anUnknownKeyIsNull() {
        assertThat(endpoint.key("alice", "nothing", true, null)).isNull();
    }

    @Test
    void aRunningRequestIsInProgressWithItsLeaseAndNoResponse() {
        OwnedKey owned = (OwnedKey) keeper.claim(new IdempotencyKey("http:alice", "k-1"), fingerprint);

        KeyDescriptor state = endpoint.key("alice", "k-1", true, null);

        assertThat(state.status()).isEqualTo("in_progress");
        assertThat(state.claimedAt()).isNotNull();
        assertThat(state.expiresAt()).isAfter(state.claimedAt());
        assertThat(state.responseStatus()).isNull();
        assertThat(state.body()).isNull();
        owned.release();
    }

    @Test
    void claimedAtAndExpiresAtAreInMillisecondsWhateverTheStorageClockGives() {
        InstantSource submillisecondClock = InstantSource.fixed(Instant.parse("2026-11-27T20:02:30.942123456Z"));
        // Time stands still, so an entry's end is its claim time plus its lease or retention, exactly.
        try (InMemoryIdempotencyStorage precise = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1),
                submillisecondClock, () -> 0L);
                IdempotencyKeeper preciseKeeper = new IdempotencyKeeper(precise, "endpoint.", Duration.ofHours(1),
                        Duration.ofSeconds(30))) {
            complete(preciseKeeper, new IdempotencyKey("http:alice", "k-1"),
                    new StoredResponse(201, List.of(), new byte[0]).encode());
            OwnedKey running = (OwnedKey) preciseKeeper.claim(new IdempotencyKey("http:alice", "k-2"), fingerprint);

            for (KeyDescriptor state : List.of(new IdempotencyEndpoint(preciseKeeper).key("alice", "k-1", false, null),
                    new IdempotencyEndpoint(preciseKeeper).key("alice", "k-2", false, null))) {
                assertThat(state.claimedAt()).isEqualTo(state.claimedAt().truncatedTo(ChronoUnit.MILLIS));
                assertThat(state.expiresAt()).isEqualTo(Instant.parse("2026-11-27T20:02:30.942Z")
                        .plus(state.status().equals("completed") ? Duration.ofHours(1) : Duration.ofSeconds(30)));
            }
            running.release();
        }
    }

    @Test
    void aCompletedHttpKeyShowsItsStatusAndOnlyWhenAskedItsBody() {
        byte[] body = "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
        complete(new IdempotencyKey("http:alice", "k-1"), new StoredResponse(201, List.of(), body).encode());

        KeyDescriptor withoutBody = endpoint.key("alice", "k-1", null, null);
        KeyDescriptor withBody = endpoint.key("alice", "k-1", true, null);

        assertThat(withoutBody.status()).isEqualTo("completed");
        assertThat(withoutBody.responseStatus()).isEqualTo(201);
        assertThat(withoutBody.body()).isNull();
        assertThat(Base64.getDecoder().decode(withBody.body())).isEqualTo(body);
    }

    @Test
    void anAnonymousKeyIsAddressedWithAnEmptyOrMissingScope() {
        complete(new IdempotencyKey("http:", "k-1"), new StoredResponse(200, List.of(), new byte[0]).encode());

        assertThat(endpoint.key(null, "k-1", false, null)).isNotNull();
        assertThat(endpoint.key("", "k-1", false, null)).isNotNull();
        assertThat(endpoint.key("alice", "k-1", false, null)).isNull();
    }

    @Test
    void evictingDeletesTheKeyWhateverItsState() {
        OwnedKey owned = (OwnedKey) keeper.claim(new IdempotencyKey("http:alice", "k-1"), fingerprint);

        assertThat(endpoint.evict("alice", "k-1", null).evicted()).isTrue();
        assertThat(endpoint.key("alice", "k-1", false, null)).isNull();
        assertThat(endpoint.evict("alice", "k-1", null).evicted()).isFalse();
        assertThat(owned.complete(new byte[0])).isFalse();
    }

    @Test
    void aKeyOfTheTemplateOrOfABeanMethodIsAddressedByItsScopeAsGivenWithHttpFalse() {
        complete(new IdempotencyKey("payments", "p-1"), "{\"receipt\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(endpoint.key("payments", "p-1", false, null)).as("an HTTP key of principal payments").isNull();
        KeyDescriptor state = endpoint.key("payments", "p-1", true, false);
        assertThat(state.status()).isEqualTo("completed");
        assertThat(state.responseStatus()).as("not an HTTP response").isNull();
        assertThat(state.body()).isEqualTo(Base64.getEncoder().encodeToString("{\"receipt\":1}".getBytes(StandardCharsets.UTF_8)));

        assertThat(endpoint.evict("payments", "p-1", false).evicted()).isTrue();
        assertThat(endpoint.key("payments", "p-1", false, false)).isNull();
    }

    private void complete(IdempotencyKey key, byte[] result) {
        complete(keeper, key, result);
    }

    private void complete(IdempotencyKeeper keeper, IdempotencyKey key, byte[] result) {
        ((OwnedKey) keeper.claim(key, fingerprint)).complete(result);
    }
}
