package dev.idempotency.web.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import dev.idempotency.web.Refusal;

/**
 * Answers the guard's refusals with problem responses ({@link Refusal#of}), before any other
 * resolver (an application's catch-all {@code @ExceptionHandler} included) can turn them into
 * something else.
 */
public final class IdempotencyExceptionResolver implements HandlerExceptionResolver, Ordered {

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
        Refusal refusal = Refusal.of(ex, retryAfter);
        if (refusal == null) {
            return null;
        }
        try {
            problems.write(request, response, refusal);
        }
        catch (IOException writeFailed) {
            throw new UncheckedIOException(writeFailed);
        }
        return new ModelAndView();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
