package dev.idempotency.web.servlet;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.RequestTooLargeException;
import dev.idempotency.web.UnreadableRequestBodyException;

/**
 * What a protected request's fingerprint is computed from: the original request's method, path
 * and query (a forward's target does not change them), and its body, form or parts, read before
 * the handler's arguments are bound. One per exchange.
 */
final class FingerprintSource {

    private final String method;
    private final String uri;
    private final String query;
    private Content content;
    private CachedBody body;
    private long tooLargeAbove = -1;

    /** What the fingerprint covers besides method, path and query. */
    private enum Content {
        /** The body bytes. */
        BODY,
        /**
         * The form's parameters by name, each with its count of values: a form's order of names does
         * not make it another request.
         */
        FORM,
        /** Each part's name, file name, content type and bytes, sorted by name. */
        PARTS
    }

    FingerprintSource(HttpServletRequest request) {
        this.method = request.getMethod();
        this.uri = request.getRequestURI();
        this.query = request.getQueryString();
    }

    /**
     * The request a protected handler binds its arguments from: on the first call, reads what the
     * fingerprint needs (the body, up to one byte past {@code maxRequestBytes}; nothing for a form
     * or multipart request, whose parameters and parts the container parses); on every call, a
     * request reading the one cached body.
     */
    HttpServletRequest withBody(HttpServletRequest request, int maxRequestBytes) throws IOException {
        if (content == null) {
            content = contentOf(request);
            if (content == Content.BODY) {
                body = CachedBody.read(request, maxRequestBytes);
                if (body == null || body.bytes() == null) {
                    tooLargeAbove = maxRequestBytes;
                }
            }
            else if (content == Content.FORM) {
                requireDecodableForm(request);
            }
        }
        return body == null ? request : new CachedBodyRequest(request, body);
    }

    /**
     * Decodes the form now, before the handler's arguments are bound: binding would fail on it with
     * a generic 400, and fingerprinting fewer parameters than were sent could replay one request's
     * answer to another.
     *
     * @throws UnreadableRequestBodyException when the container cannot decode it
     */
    private static void requireDecodableForm(HttpServletRequest request) {
        try {
            request.getParameterMap();
        }
        catch (RuntimeException ex) {
            throw new UnreadableRequestBodyException("The form body cannot be decoded; send well-formed "
                    + "application/x-www-form-urlencoded content.");
        }
    }

    private static Content contentOf(HttpServletRequest request) {
        if (request instanceof MultipartHttpServletRequest) {
            return Content.PARTS;
        }
        String contentType = request.getContentType();
        if (contentType == null) {
            return Content.BODY;
        }
        try {
            return MediaType.APPLICATION_FORM_URLENCODED.includes(MediaType.parseMediaType(contentType)) ? Content.FORM
                    : Content.BODY;
        }
        catch (InvalidMediaTypeException ex) {
            return Content.BODY;
        }
    }

    /** @throws RequestTooLargeException when the body exceeds the limit */
    void requireBodyWithinLimit(HttpServletRequest request, int maxRequestBytes) {
        if (tooLargeAbove < 0 && content == Content.PARTS && partsSize(request) > maxRequestBytes) {
            tooLargeAbove = maxRequestBytes;
        }
        if (tooLargeAbove >= 0) {
            throw RequestTooLargeException.above(tooLargeAbove);
        }
    }

    /** SHA-256 over the original method, path and query, and the body, form or parts. */
    RequestFingerprint fingerprint(HttpServletRequest request) {
        if (content == null) {
            throw new IllegalStateException("The request body was not read before the handler started: Spring MVC's "
                    + "handler adapter must be an IdempotentRequestMappingHandlerAdapter");
        }
        RequestFingerprint.Builder fingerprint = HandlerAdmission.fingerprintOf(method, uri, query);
        if (content == Content.PARTS) {
            addParts(fingerprint, request);
        }
        else if (content == Content.FORM) {
            addForm(fingerprint, request);
        }
        else {
            fingerprint.add(body.bytes());
        }
        return fingerprint.build();
    }

    /** Each name with how many values it has, then the values: {@code a=b&a=c&a=} is not {@code a=b&c=}. */
    private static void addForm(RequestFingerprint.Builder fingerprint, HttpServletRequest request) {
        for (Map.Entry<String, String[]> parameter : new TreeMap<>(request.getParameterMap()).entrySet()) {
            fingerprint.add(parameter.getKey()).add(Integer.toString(parameter.getValue().length));
            for (String value : parameter.getValue()) {
                fingerprint.add(value);
            }
        }
    }

    private static void addParts(RequestFingerprint.Builder fingerprint, HttpServletRequest request) {
        try {
            for (Part part : sortedParts(request)) {
                fingerprint.add(part.getName()).add(part.getSubmittedFileName()).add(part.getContentType());
                try (var bytes = part.getInputStream()) {
                    fingerprint.add(bytes.readAllBytes());
                }
            }
        }
        catch (IOException ex) {
            throw new UnreadableRequestBodyException("The multipart body cannot be read; send well-formed "
                    + "multipart/form-data content.");
        }
    }

    private static long partsSize(HttpServletRequest request) {
        try {
            return sortedParts(request).stream().mapToLong(Part::getSize).sum();
        }
        catch (IOException ex) {
            throw new UnreadableRequestBodyException("The multipart body cannot be read; send well-formed "
                    + "multipart/form-data content.");
        }
    }

    /** The parts by name, parts of one name in the order sent. */
    private static List<Part> sortedParts(HttpServletRequest request) throws IOException {
        Collection<Part> parts;
        try {
            parts = request.getParts();
        }
        catch (ServletException | IllegalStateException ex) {
            throw new UnreadableRequestBodyException("The multipart body cannot be parsed; send well-formed "
                    + "multipart/form-data content.");
        }
        return parts.stream().sorted(Comparator.comparing(Part::getName)).toList();
    }
}
