package dev.idempotency.web;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.UnreachableStorage;

import static org.assertj.core.api.Assertions.assertThat;

/** A storage that does not answer: the handler does not run and the client is told to retry. */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "idempotency.web.retry-after=3s")
@Import(StorageOutageWebTest.UnreachableStorageConfiguration.class)
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
    static class UnreachableStorageConfiguration {

        @Bean
        IdempotencyStorage unreachableStorage() {
            return new UnreachableStorage("unreachable");
        }
    }
}
