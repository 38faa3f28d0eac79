package dev.idempotency.web.servlet;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponseWrapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import dev.idempotency.annotation.InProgress;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.IdempotencyKeyHeader;
import dev.idempotency.web.IdempotencyKeyValidator;
import dev.idempotency.web.IdempotencyProblem;
import dev.idempotency.web.IdempotentRoutes;
import dev.idempotency.web.ReplayedHeaders;
import dev.idempotency.web.ResponseRecorder;
import dev.idempotency.web.ResponseStoragePolicy;
import dev.idempotency.web.UnreplayableResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the guard looks up once per handler method, and that it never mixes two handlers up. */
class IdempotentHandlerGuardTest {

    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(1_000, Duration.ofMinutes(1));
    private final IdempotentHandlerGuard guard = new IdempotentHandlerGuard(new HandlerAdmission(
            new IdempotencyKeeper(storage, "test.", Duration.ofHours(1), Duration.ofSeconds(30)),
            new IdempotentRoutes(List.of("/**"), Set.of("POST"), false),
            new IdempotencyKeyHeader("Idempotency-Key", 255), IdempotencyKeyValidator.any(),
            ServletStreaming.handlers(), InProgress.REJECT, Duration.ZERO, 1024), IdempotencyScopeResolver.principal());

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    @Test
    void oneGenericMethodStreamsInTheBeanWhoseTypeArgumentStreamsOnly() throws Exception {
        HandlerMethod streaming = new HandlerMethod(new StreamingDownloads(), Downloads.class.getMethod("download"));
        HandlerMethod plain = new HandlerMethod(new TextDownloads(), Downloads.class.getMethod("download"));

        for (int round = 0; round < 2; round++) {
            assertThat(guard.admit(guard.prepare(requestWithKey(), plain), plain)).isNull();
            assertThatThrownBy(() -> guard.admit(guard.prepare(requestWithKey(), streaming), streaming))
                    .isInstanceOf(UnreplayableResponseException.class)
                    .extracting(ex -> ((UnreplayableResponseException) ex).problem())
                    .isEqualTo(IdempotencyProblem.STREAMING_NOT_SUPPORTED);
        }
    }

    private static MockHttpServletRequest requestWithKey() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/downloads");
        request.addHeader("Idempotency-Key", UUID.randomUUID().toString());
        IdempotentExchange.start(request, new HttpServletResponseWrapper(new MockHttpServletResponse()),
                new ResponseRecorder(ResponseStoragePolicy.DEFAULT, new ReplayedHeaders(ReplayedHeaders.DEFAULT), 1024));
        return request;
    }

    /** A generic base controller: one method, whose return type each subclass decides. */
    static class Downloads<T> {

        public T download() {
            return null;
        }
    }

    static class StreamingDownloads extends Downloads<StreamingResponseBody> {
    }

    static class TextDownloads extends Downloads<String> {
    }
}
