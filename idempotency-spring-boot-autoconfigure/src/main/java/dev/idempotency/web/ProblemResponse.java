package dev.idempotency.web;

import java.util.List;
import java.util.Objects;

/**
 * A problem answer as every web stack writes it: the status, the headers to set (content type,
 * {@code Retry-After}, {@code Link}) and the {@code application/problem+json} body.
 */
public record ProblemResponse(int status, List<StoredResponse.Header> headers, byte[] body) {

    /**
     * Copies {@code headers}.
     *
     * @param status the HTTP status
     * @param headers the headers to set, in order
     * @param body the problem's JSON bytes
     * @throws NullPointerException when {@code headers}, one of them, or {@code body} is {@code null}
     */
    public ProblemResponse {
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }
}
