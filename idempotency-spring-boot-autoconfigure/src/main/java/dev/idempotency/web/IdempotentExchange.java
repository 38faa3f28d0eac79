package dev.idempotency.web;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.Part;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;

/**
 * The idempotency state of one exchange whose request carries a key, kept as a request
 * attribute from the filter, through the handler's claim, to the end of the exchange, whatever
 * dispatches it takes (request, forward, async). It is the one place that decides "one claim per
 * exchange": the first protected handler claims, a handler it forwards to runs under that claim,
 * and the claim ends once, when the response is complete.
 *
 * <p>Nothing is read or held for a request whose handler is not protected: the body is read when
 * a protected handler is about to bind its arguments ({@link #withBody}), and the response is
 * captured from the moment the key is claimed ({@link #own}).
 *
 * <p>What is stored is what the client receives. A response written through {@code sendError},
 * or an exception left to the container (with store-server-errors; Spring Security translates
 * some into 401 and 403), gets its body in the container's error dispatch, which is captured in
 * turn ({@link #captureErrorPage}). When the exchange ends without a response the library saw
 * (no error page, an async request completed by hand), the key is released ({@link #requestEnded}).
 */
final class IdempotentExchange {

    private static final Logger logger = LoggerFactory.getLogger(IdempotentExchange.class);
    private static final String ATTRIBUTE = IdempotentExchange.class.getName();

    private final String method;
    private final String uri;
    private final String query;
    private final HttpServletResponseWrapper response;
    private final ExchangeSettings settings;
    private final AtomicReference<OwnedKey> owned = new AtomicReference<>();
    private Content content;
    private CachedBody body;
    private long tooLargeAbove = -1;
    private boolean admitted;
    private ResponseCapture capture;
    private Throwable failure;
    private volatile boolean awaitingErrorPage;
    private volatile boolean handlerReturned;
    private volatile boolean responseNotWritten;
    private AsyncWork work;

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

    private IdempotentExchange(HttpServletRequest request, HttpServletResponseWrapper response,
            ExchangeSettings settings) {
        this.method = request.getMethod();
        this.uri = request.getRequestURI();
        this.query = request.getQueryString();
        this.response = response;
        this.settings = settings;
    }

    /**
     * Starts the exchange of a request that carries a key. The method, path and query it is
     * fingerprinted with are the original request's, whatever handler a forward reaches.
     *
     * @param response wraps the response the chain writes to; its target becomes a
     *     {@link ResponseCapture} when a handler claims the key
     */
    static IdempotentExchange start(HttpServletRequest request, HttpServletResponseWrapper response,
            ExchangeSettings settings) {
        IdempotentExchange exchange = new IdempotentExchange(request, response, settings);
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    static IdempotentExchange of(ServletRequest request) {
        return (IdempotentExchange) request.getAttribute(ATTRIBUTE);
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

    /**
     * Marks the exchange as decided by a protected handler; only the first call returns
     * {@code true}. A handler that the first one forwards to runs under its claim.
     */
    boolean admit() {
        if (admitted) {
            return false;
        }
        admitted = true;
        return true;
    }

    /** @throws RequestTooLargeException when the body exceeds the limit */
    void requireBodyWithinLimit(HttpServletRequest request, int maxRequestBytes) {
        if (tooLargeAbove < 0 && content == Content.PARTS && partsSize(request) > maxRequestBytes) {
            tooLargeAbove = maxRequestBytes;
        }
        if (tooLargeAbove >= 0) {
            throw new RequestTooLargeException("The request body is larger than " + tooLargeAbove
                    + " bytes, the most this operation accepts with an idempotency key.");
        }
    }

    /** SHA-256 over the original method, path and query, and the body, form or parts. */
    RequestFingerprint fingerprint(HttpServletRequest request) {
        if (content == null) {
            throw new IllegalStateException("The request body was not read before the handler started: Spring MVC's "
                    + "handler adapter must be an IdempotentRequestMappingHandlerAdapter");
        }
        RequestFingerprint.Builder fingerprint = RequestFingerprint.builder().add(method).add(uri).add(query);
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

    /** The handler claimed the key: from now on the response is captured, to be stored when complete. */
    void own(OwnedKey key) {
        capture = new ResponseCapture((HttpServletResponse) response.getResponse(), settings.maxResponseBytes());
        response.setResponse(capture);
        owned.set(key);
    }

    /** Whether the handler claimed the key and the claim has not ended yet. */
    boolean ownsKey() {
        return owned.get() != null;
    }

    /**
     * An exception escaped the handler. With {@code storeServerErrors}, the key stays claimed until
     * the client's answer is known: an exception the container answers with a 500 is stored as
     * one, one that Spring Security turns into a 403 is stored as what it became. Otherwise the key
     * is released so a retry runs again.
     */
    void fail(Throwable failure) {
        if (handlerReturned && ownsKey()) {
            responseNotWritten = true;
            awaitingErrorPage = true;
            return;
        }
        if (settings.policy().storeServerErrors() && ownsKey()) {
            this.failure = failure;
            awaitingErrorPage = true;
            return;
        }
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            key.releaseAfter(failure);
        }
    }

    /** A handler starts, under this exchange's claim: what follows is its work, not yet its response. */
    void handlerStarts() {
        handlerReturned = false;
    }

    /** The handler returned: its work ran, whatever becomes of its response. */
    void handlerReturned() {
        handlerReturned = true;
    }

    /**
     * Writing the response failed with an exception that Spring MVC answers itself (as it does a
     * value it cannot serialize). Once the handler has returned, the key is then recorded as
     * processed, without a response to replay.
     */
    void responseFailed() {
        if (handlerReturned && ownsKey()) {
            responseNotWritten = true;
        }
    }

    /** Whether the claim ends with the container's error dispatch. */
    boolean awaitsErrorPage() {
        return awaitingErrorPage;
    }

    /**
     * Whether this error dispatch answers the handler's own exception, which no filter translated:
     * with store-server-errors it is stored as a 500 problem.
     */
    boolean answersUntranslatedFailure(HttpServletRequest request) {
        return failure != null && request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) != null;
    }

    /** The error dispatch's response, captured as the body of the response the claim ends with. */
    HttpServletResponse captureErrorPage(HttpServletResponse response) {
        capture = new ResponseCapture(response, settings.maxResponseBytes());
        return capture;
    }

    /**
     * A dispatch ended. When it sent an error, the error dispatch that follows writes the body and
     * ends the claim; otherwise the response is complete: {@link #finish}.
     */
    void dispatchEnded() throws IOException {
        if (capture != null && capture.errorSent() && ownsKey()) {
            awaitingErrorPage = true;
            return;
        }
        finish();
    }

    /**
     * The request ended, its last dispatch over. A claim still open here ended without a response
     * the library saw (no error page followed an error, an async request was completed by hand):
     * released, so it is not renewed forever.
     */
    void requestEnded() {
        if (work != null && work.answeredFirst()) {
            return;
        }
        OwnedKey key = owned.getAndSet(null);
        if (key == null) {
            return;
        }
        if (responseNotWritten) {
            key.complete(StoredResponse.notReplayable(capture.getStatus()).encode());
            return;
        }
        release(key, "a request that ended without a response it could store");
    }

    /**
     * The response is complete: store it when the policy says so (one that streamed past the
     * limit as its status alone), else release the key; then send what was held to the client.
     * A response sent before the async work it answers ended (a timeout's 409) leaves the claim
     * to that work.
     */
    void finish() throws IOException {
        awaitingErrorPage = false;
        OwnedKey key = work != null && work.answeredFirst() ? null : owned.getAndSet(null);
        if (key != null) {
            store(key);
        }
        if (capture != null) {
            capture.sendHeld();
        }
    }

    /**
     * The handler returned {@code value}, the promise of a result to come: its work is watched,
     * so that the key is held until the work itself ends.
     *
     * @param defaultStatus the status of a result that names none
     * @return what Spring MVC is to handle in place of {@code value}
     */
    Object watch(Object value, HttpServletRequest request, int defaultStatus) {
        if (!ownsKey()) {
            return value;
        }
        work = AsyncWork.watch(value, request, this, defaultStatus);
        return work.handled();
    }

    /**
     * Async work ended after its client had been answered (a timeout's 409): the result cannot be
     * replayed, as nothing wrote it. Recorded as processed, with {@code status}, when the policy
     * stores a response of that status (a result, or a client error); released when it does not
     * (a failure), so a retry runs again.
     */
    void workEndedAfterItsAnswer(int status) {
        OwnedKey key = owned.getAndSet(null);
        if (key == null) {
            return;
        }
        if (settings.policy().stores(status)) {
            key.complete(StoredResponse.notReplayable(status).encode());
            return;
        }
        release(key, "async work that failed after its request had been answered");
    }

    /** Async work timed out before it started, and never will: released. */
    void workNeverStarted() {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            release(key, "async work that timed out before it started");
        }
    }

    /**
     * Async work whose end cannot be seen (a DeferredResult Spring discards once it timed out)
     * timed out: recorded as accepted (202) and processed, never run again.
     */
    void workEndedUnseen() {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            key.complete(StoredResponse.notReplayable(HttpStatus.ACCEPTED.value()).encode());
        }
    }

    private void store(OwnedKey key) throws IOException {
        int status = capture.getStatus();
        if (responseNotWritten) {
            key.complete(StoredResponse.notReplayable(status).encode());
            return;
        }
        if (!settings.policy().stores(status)) {
            release(key, "a " + status + " response");
            return;
        }
        int size = capture.heldSize();
        if (capture.overflowed()) {
            key.complete(StoredResponse.notReplayable(status).encode());
            return;
        }
        key.complete(StoredResponse.captured(status, settings.replayedHeaders().capture(capture), size,
                capture.heldContent()));
    }

    private static void release(OwnedKey key, String after) {
        try {
            key.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release idempotency key {} after {}; it stays in progress until its lease ends",
                    key.logId(), after, ex);
        }
    }
}
