package dev.idempotency.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

import static org.assertj.core.api.Assertions.assertThat;

/** A storage that does not answer: the handler does not run and the client is told to retry. */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "idempotency.web.retry-after=3s")
@Import(StorageOutageWebTest.UnreachableStorage.class)
class StorageOutageWebTest extends WebTestSupport {

    @Test
    void anUnreachableStorageAnswers503WithRetryAfterAndTheHandlerDoesNotRun() throws Exception {
        int before = WebTestApplication.executions("/orders");

        HttpResponse<String> response = send(request("/orders", newKey(), ORDER));

        assertProblem(response, 503, "storage-unavailable");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(WebTestApplication.executions("/orders")).isEqualTo(before);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class UnreachableStorage {

        @Bean
        IdempotencyStorage unreachableStorage() {
            return new IdempotencyStorage() {

                @Override
                public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public boolean release(String key, OwnerToken token) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public boolean extend(String key, OwnerToken token, Duration lease) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public boolean delete(String key) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public Optional<StoredEntry> read(String key) {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public void ping() {
                    throw new IdempotencyStorageException("connection refused");
                }

                @Override
                public String name() {
                    return "unreachable";
                }
            };
        }
    }
}
