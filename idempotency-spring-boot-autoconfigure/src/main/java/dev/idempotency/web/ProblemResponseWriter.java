package dev.idempotency.web;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Writes an {@link IdempotencyProblem} as an RFC 9457 {@code application/problem+json} response:
 * {@code type}, {@code title}, {@code status}, {@code detail} (what the client should do) and
 * {@code instance} (the request path). With a documentation URL, every problem also carries
 * {@code Link: <url>; rel="describedby"}, the way the draft's error examples point to it.
 */
public final class ProblemResponseWriter {

    private final JsonMapper jsonMapper;
    private final String typeBase;
    private final String documentationLink;

    /**
     * @param typeBase prefix of every problem {@code type}, followed by the problem's slug
     * @param documentationUrl where the API documents its idempotency rules, or {@code null}
     */
    public ProblemResponseWriter(JsonMapper jsonMapper, String typeBase, URI documentationUrl) {
        this.jsonMapper = jsonMapper;
        this.typeBase = typeBase;
        this.documentationLink = documentationUrl == null ? null : "<" + documentationUrl + ">; rel=\"describedby\"";
    }

    /** Writes {@code problem}; {@code retryAfter} adds a {@code Retry-After} header when not null. */
    public void write(HttpServletRequest request, HttpServletResponse response, IdempotencyProblem problem,
            String detail, Duration retryAfter) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", typeBase + problem.slug());
        body.put("title", problem.title());
        body.put("status", problem.status().value());
        body.put("detail", detail);
        body.put("instance", request.getRequestURI());
        byte[] json = jsonMapper.writeValueAsBytes(body);
        response.resetBuffer();
        response.setStatus(problem.status().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (retryAfter != null) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        if (documentationLink != null) {
            response.setHeader(HttpHeaders.LINK, documentationLink);
        }
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }
}
