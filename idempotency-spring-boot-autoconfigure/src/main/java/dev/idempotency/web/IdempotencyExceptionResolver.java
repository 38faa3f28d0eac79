package dev.idempotency.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import dev.idempotency.engine.IdempotencyClaimLostException;
import dev.idempotency.engine.IdempotencyKeyReusedException;
import dev.idempotency.engine.IdempotentOutcomeUnknownException;
import dev.idempotency.engine.IdempotentRequestInProgressException;
import dev.idempotency.storage.IdempotencyStorageException;

/**
 * Answers the guard's refusals with problem responses, before any other resolver (an
 * application's catch-all {@code @ExceptionHandler} included) can turn them into something else.
 */
public final class IdempotencyExceptionResolver implements HandlerExceptionResolver, Ordered {

    private static final Logger logger = LoggerFactory.getLogger(IdempotencyExceptionResolver.class);

    private final ProblemResponseWriter problems;
    private final Duration retryAfter;

    /** @param retryAfter the {@code Retry-After} sent with 409 and 503 answers */
    public IdempotencyExceptionResolver(ProblemResponseWriter problems, Duration retryAfter) {
        this.problems = problems;
        this.retryAfter = retryAfter;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception ex) {
        if (ex instanceof MissingIdempotencyKeyException) {
            return answer(request, response, IdempotencyProblem.MISSING_KEY, ex.getMessage(), null);
        }
        if (ex instanceof InvalidIdempotencyKeyException) {
            return answer(request, response, IdempotencyProblem.INVALID_KEY, ex.getMessage(), null);
        }
        if (ex instanceof MissingIdempotencyScopeException) {
            return answer(request, response, IdempotencyProblem.MISSING_SCOPE, ex.getMessage(), null);
        }
        if (ex instanceof UnreadableRequestBodyException) {
            return answer(request, response, IdempotencyProblem.UNREADABLE_BODY, ex.getMessage(), null);
        }
        if (ex instanceof RequestTooLargeException) {
            return answer(request, response, IdempotencyProblem.REQUEST_TOO_LARGE, ex.getMessage(), null);
        }
        if (ex instanceof UnreplayableResponseException unreplayable) {
            return answer(request, response, unreplayable.problem(), ex.getMessage(), null);
        }
        if (ex instanceof IdempotentRequestInProgressException) {
            return answer(request, response, IdempotencyProblem.IN_PROGRESS,
                    "A request with this key is still being processed; retry later with the same key to get its result.",
                    retryAfter);
        }
        if (ex instanceof IdempotentOutcomeUnknownException) {
            return answer(request, response, IdempotencyProblem.OUTCOME_UNKNOWN,
                    "The first request with this key started but never finished, so whether it took effect is "
                            + "unknown. It will not run again until the service's operators have checked it; "
                            + "retrying does not help.", null);
        }
        if (ex instanceof IdempotencyClaimLostException) {
            return answer(request, response, IdempotencyProblem.IN_PROGRESS,
                    "This request outlasted its hold on the key and another request with the key took over, so its "
                            + "changes were rolled back; retry later with the same key to get that request's result.",
                    retryAfter);
        }
        if (ex instanceof IdempotencyKeyReusedException) {
            return answer(request, response, IdempotencyProblem.KEY_REUSED,
                    "This key was already used for a different request; send a new key for a new request.", null);
        }
        if (ex instanceof IdempotencyStorageException) {
            logger.warn("Idempotency storage unavailable; answering 503: {}", ex.getMessage());
            return answer(request, response, IdempotencyProblem.STORAGE_UNAVAILABLE,
                    "The request was not processed; retry later with the same key.", retryAfter);
        }
        return null;
    }

    private ModelAndView answer(HttpServletRequest request, HttpServletResponse response, IdempotencyProblem problem,
            String detail, Duration retryAfter) {
        try {
            problems.write(request, response, problem, detail, retryAfter);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return new ModelAndView();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
