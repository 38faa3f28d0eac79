package dev.idempotency.web;

import java.util.List;
import java.util.Objects;

/**
 * A problem answer as every web stack writes it: the status, the headers to set (content type,
 * {@code Retry-After}, {@code Link}) and the {@code application/problem+json} body.
 */
public record ProblemResponse(int status, List<StoredResponse.Header> headers, byte[] body) {

    public ProblemResponse {
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }
}
