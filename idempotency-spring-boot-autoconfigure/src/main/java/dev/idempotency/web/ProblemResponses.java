package dev.idempotency.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Renders a {@link Refusal} as an RFC 9457 {@code application/problem+json} response:
 * {@code type}, {@code title}, {@code status}, {@code detail} (what the client should do) and
 * {@code instance} (the request path). With a documentation URL, every problem also carries
 * {@code Link: <url>; rel="describedby"}, the way the draft's error examples point to it.
 */
public final class ProblemResponses {

    private final JsonMapper jsonMapper;
    private final String typeBase;
    private final String documentationLink;

    /**
     * @param typeBase prefix of every problem {@code type}, followed by the problem's slug
     * @param documentationUrl where the API documents its idempotency rules, or {@code null}
     */
    public ProblemResponses(JsonMapper jsonMapper, String typeBase, URI documentationUrl) {
        this.jsonMapper = jsonMapper;
        this.typeBase = typeBase;
        this.documentationLink = documentationUrl == null ? null : "<" + documentationUrl + ">; rel=\"describedby\"";
    }

    /** The response answering {@code refusal} of a request to {@code path}. */
    public ProblemResponse render(Refusal refusal, String path) {
        IdempotencyProblem problem = refusal.problem();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", typeBase + problem.slug());
        body.put("title", problem.title());
        body.put("status", problem.status().value());
        body.put("detail", refusal.detail());
        body.put("instance", path);
        List<StoredResponse.Header> headers = new ArrayList<>(3);
        headers.add(new StoredResponse.Header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE));
        if (refusal.retryAfter() != null) {
            headers.add(new StoredResponse.Header(HttpHeaders.RETRY_AFTER,
                    Long.toString(Math.max(1, refusal.retryAfter().toSeconds()))));
        }
        if (documentationLink != null) {
            headers.add(new StoredResponse.Header(HttpHeaders.LINK, documentationLink));
        }
        return new ProblemResponse(problem.status().value(), headers, jsonMapper.writeValueAsBytes(body));
    }
}
