package dev.idempotency.web.servlet;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.http.HttpHeaders;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.web.ResponseRecorder;

/**
 * The idempotency state of one exchange whose request carries a key, kept as a request
 * attribute from the filter, through the handler's claim, to the end of the exchange, whatever
 * dispatches it takes (request, forward, async). It is the one place that decides "one claim per
 * exchange": the first protected handler claims, a handler it forwards to runs under that claim,
 * and the claim ends once, when the response is complete.
 *
 * <p>Nothing is read or held for a request whose handler is not protected: the body is read when
 * a protected handler is about to bind its arguments ({@link FingerprintSource#withBody}), and the
 * response is captured from the moment the key is claimed ({@link #own}).
 *
 * <p>What is stored is what the client receives. A response written through {@code sendError},
 * or an exception left to the container (with store-server-errors; Spring Security translates
 * some into 401 and 403), gets its body in the container's error dispatch, which is captured in
 * turn ({@link #captureErrorPage}). When the exchange ends without a response the library saw
 * (no error page, an async request completed by hand), the key is released ({@link #requestEnded}).
 *
 * <p>Once the handler has returned, its work ran: if writing its response fails (a value that
 * cannot be serialized, a view that fails to render), the key is recorded as processed without a
 * replayable response, never released for a second run. The work of an async handler is watched
 * ({@link AsyncWork}): when its request is answered first (a timeout), the work's end ends the
 * claim.
 */
final class IdempotentExchange {

    private static final String ATTRIBUTE = IdempotentExchange.class.getName();

    private final FingerprintSource fingerprintSource;
    private final HttpServletResponseWrapper response;
    private final ResponseRecorder recorder;
    private final AtomicReference<OwnedKey> owned = new AtomicReference<>();
    private boolean admitted;
    private ResponseCapture capture;
    private Throwable failure;
    private volatile boolean awaitingErrorPage;
    private volatile boolean handlerReturned;
    private volatile boolean responseNotWritten;
    private AsyncWork work;

    private IdempotentExchange(HttpServletRequest request, HttpServletResponseWrapper response,
            ResponseRecorder recorder) {
        this.fingerprintSource = new FingerprintSource(request);
        this.response = response;
        this.recorder = recorder;
    }

    /**
     * Starts the exchange of a request that carries a key. The method, path and query it is
     * fingerprinted with are the original request's, whatever handler a forward reaches.
     *
     * @param response wraps the response the chain writes to; its target becomes a
     *     {@link ResponseCapture} when a handler claims the key
     */
    static IdempotentExchange start(HttpServletRequest request, HttpServletResponseWrapper response,
            ResponseRecorder recorder) {
        IdempotentExchange exchange = new IdempotentExchange(request, response, recorder);
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    static IdempotentExchange of(ServletRequest request) {
        return (IdempotentExchange) request.getAttribute(ATTRIBUTE);
    }

    /** What the fingerprint of this exchange's request is computed from. */
    FingerprintSource fingerprintSource() {
        return fingerprintSource;
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

    /** The handler claimed the key: from now on the response is captured, to be stored when complete. */
    void own(OwnedKey key) {
        capture = new ResponseCapture((HttpServletResponse) response.getResponse(), recorder.maxResponseBytes());
        response.setResponse(capture);
        owned.set(key);
    }

    /** The handler's claim, until it ends; {@code null} when there is none. */
    OwnedKey ownedKey() {
        return owned.get();
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
        if (recorder.policy().storeServerErrors() && ownsKey()) {
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
        capture = new ResponseCapture(response, recorder.maxResponseBytes());
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
            recorder.recordNotReplayable(key, capture.getStatus());
            return;
        }
        ResponseRecorder.release(key, "a request that ended without a response it could store");
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
        if (key != null) {
            recorder.recordAfterItsAnswer(key, status);
        }
    }

    /** Async work timed out before it started, and never will: released. */
    void workNeverStarted() {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            ResponseRecorder.release(key, "async work that timed out before it started");
        }
    }

    /**
     * Async work whose end cannot be seen (a DeferredResult Spring discards once it timed out)
     * timed out: recorded as accepted (202) and processed, never run again.
     */
    void workEndedUnseen() {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            recorder.recordUnseen(key);
        }
    }

    private void store(OwnedKey key) throws IOException {
        int status = capture.getStatus();
        if (responseNotWritten) {
            recorder.recordNotReplayable(key, status);
            return;
        }
        int size = capture.heldSize();
        recorder.record(key, status, capture.overflowed(), this::capturedHeader, size, capture.heldContent());
    }

    /** The values the captured response holds for a header; its content type as the container reports it. */
    private Collection<String> capturedHeader(String name) {
        if (HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
            return capture.getContentType() == null ? List.of() : List.of(capture.getContentType());
        }
        // Asked first because getHeaders builds a collection even for a header the response lacks.
        return capture.containsHeader(name) ? capture.getHeaders(name) : List.of();
    }
}
