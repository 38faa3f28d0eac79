package dev.idempotency.web;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Kubernetes probes on and a storage that does not answer its ping, liveness stays up (a
 * restart would not bring the storage back) while readiness, configured as the README says, goes
 * down.
 */
@SpringBootTest(classes = { WebTestApplication.class, IdempotencyHealthGroupsWebTest.UnreachableStorage.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "management.endpoint.health.probes.enabled=true",
                "management.endpoint.health.show-details=always",
                "management.endpoint.health.group.readiness.include=readinessState,idempotency" })
class IdempotencyHealthGroupsWebTest extends WebTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private HealthEndpointGroups groups;

    @Test
    void theIdempotencyHealthIsDownAndNamesTheStorage() throws Exception {
        HttpResponse<String> health = get("/actuator/health/idempotency");

        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.get("status").asString()).isEqualTo("DOWN");
        assertThat(body.get("details").get("storage").asString()).isEqualTo("unreachable");
    }

    @Test
    void livenessLeavesTheIdempotencyStorageOut() throws Exception {
        HttpResponse<String> liveness = get("/actuator/health/liveness");

        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(liveness.body()).get("status").asString()).isEqualTo("UP");
        assertThat(groups.get("liveness").isMember("idempotency")).isFalse();
    }

    @Test
    void readinessIncludesTheIdempotencyStorageWhenConfigured() throws Exception {
        HttpResponse<String> readiness = get("/actuator/health/readiness");

        assertThat(readiness.statusCode()).isEqualTo(503);
        JsonNode components = JSON.readTree(readiness.body()).get("components");
        assertThat(components.propertyNames()).containsExactlyInAnyOrder("readinessState", "idempotency");
        assertThat(components.get("idempotency").get("status").asString()).isEqualTo("DOWN");
        assertThat(groups.get("readiness").isMember("idempotency")).isTrue();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class UnreachableStorage {

        @Bean
        StorageWithoutPing unreachableStorage() {
            return new StorageWithoutPing(new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1)));
        }
    }

    /** Keys work, but the storage does not answer its health ping. */
    static final class StorageWithoutPing implements IdempotencyStorage, AutoCloseable {

        private final InMemoryIdempotencyStorage memory;

        StorageWithoutPing(InMemoryIdempotencyStorage memory) {
            this.memory = memory;
        }

        @Override
        public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
            return memory.attemptLock(key, value, lease);
        }

        @Override
        public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
            return memory.complete(key, token, value, retention);
        }

        @Override
        public boolean release(String key, OwnerToken token) {
            return memory.release(key, token);
        }

        @Override
        public boolean extend(String key, OwnerToken token, Duration lease) {
            return memory.extend(key, token, lease);
        }

        @Override
        public boolean delete(String key) {
            return memory.delete(key);
        }

        @Override
        public Optional<StoredEntry> read(String key) {
            return memory.read(key);
        }

        @Override
        public void ping() {
            throw new IdempotencyStorageException("The storage did not answer within 2s");
        }

        @Override
        public String name() {
            return "unreachable";
        }

        @Override
        public void close() {
            memory.close();
        }
    }
}
