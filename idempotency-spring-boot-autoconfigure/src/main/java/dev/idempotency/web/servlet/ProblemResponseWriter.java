package dev.idempotency.web.servlet;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;

import dev.idempotency.web.ProblemResponse;
import dev.idempotency.web.ProblemResponses;
import dev.idempotency.web.Refusal;
import dev.idempotency.web.StoredResponse;

/**
 * Writes a {@link Refusal} to a servlet response, as {@link ProblemResponses} renders it, in
 * place of anything the response held.
 */
public final class ProblemResponseWriter {

    private final ProblemResponses problems;

    /**
     * @param typeBase prefix of every problem {@code type}, followed by the problem's slug
     * @param documentationUrl where the API documents its idempotency rules, or {@code null}
     */
    public ProblemResponseWriter(JsonMapper jsonMapper, String typeBase, URI documentationUrl) {
        this.problems = new ProblemResponses(jsonMapper, typeBase, documentationUrl);
    }

    /** Writes {@code refusal} as the answer to {@code request}. */
    public void write(HttpServletRequest request, HttpServletResponse response, Refusal refusal) throws IOException {
        ProblemResponse problem = problems.render(refusal, request.getRequestURI());
        response.resetBuffer();
        response.setStatus(problem.status());
        for (StoredResponse.Header header : problem.headers()) {
            if (HttpHeaders.CONTENT_TYPE.equals(header.name())) {
                response.setContentType(header.value());
            }
            else {
                response.setHeader(header.name(), header.value());
            }
        }
        response.setContentLength(problem.body().length);
        response.getOutputStream().write(problem.body());
    }
}
