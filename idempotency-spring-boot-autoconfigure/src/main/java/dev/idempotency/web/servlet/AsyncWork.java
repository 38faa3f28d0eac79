package dev.idempotency.web.servlet;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.context.request.async.WebAsyncUtils;

import dev.idempotency.engine.IdempotentRequestInProgressException;

/**
 * The work of a protected async handler ({@code CompletionStage}, {@code Callable},
 * {@code WebAsyncTask}, {@code DeferredResult}), watched so that the key is held until the work
 * itself ends, not until its request does. When the async request times out (or fails) while the
 * work still runs, its client is answered 409 request-in-progress and so is every retry; when the
 * work ends, its outcome ends the claim ({@link IdempotentExchange#workEndedAfterItsAnswer}).
 *
 * <p>The end of a {@code CompletionStage} is seen on the stage itself. Spring MVC cancels the stage
 * it handles when the request times out, which completes a {@code CompletableFuture} with a
 * {@code CancellationException} and drops the work's own result (cancelling never stops the work
 * behind it), so Spring is handed a stage that depends on the handler's, and only that one is
 * cancelled. The end of a {@code Callable} is seen in its interceptor's post-processing, which
 * Spring runs whenever the callable returns, timed out or not. A {@code DeferredResult} set after
 * its timeout is discarded by Spring, so that work's end cannot be seen: its claim ends when it
 * times out.
 */
final class AsyncWork implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

    private static final String INTERCEPTOR_KEY = AsyncWork.class.getName();

    private enum State {
        /** A callable the executor has not started yet. */
        NOT_STARTED,
        RUNNING,
        /** The work ended before its request was answered: the request writes its result. */
        ENDED,
        /** The request was answered before the work ended: the work's end ends the claim. */
        ANSWERED,
        /** The request timed out before a callable started; it never will. */
        ABANDONED
    }

    private final IdempotentExchange exchange;
    private final Object handled;
    private final boolean observable;
    private final int defaultStatus;
    private final AtomicReference<State> state;
    private volatile Object outcome;

    private AsyncWork(IdempotentExchange exchange, Object handled, boolean observable, int defaultStatus,
            State initial) {
        this.exchange = exchange;
        this.handled = handled;
        this.observable = observable;
        this.defaultStatus = defaultStatus;
        this.state = new AtomicReference<>(initial);
    }

    /** Whether {@code value} is the promise of a result to come, not the handler's result itself. */
    static boolean isAsync(Object value) {
        return value instanceof Callable<?> || value instanceof WebAsyncTask<?> || value instanceof DeferredResult<?>
                || value instanceof CompletionStage<?>;
    }

    /**
     * Watches the work {@code value} promises, for the exchange of {@code request}.
     *
     * @param defaultStatus the status of a result that names none (the handler's @ResponseStatus, or 200)
     */
    static AsyncWork watch(Object value, HttpServletRequest request, IdempotentExchange exchange, int defaultStatus) {
        var asyncManager = WebAsyncUtils.getAsyncManager(request);
        if (value instanceof CompletionStage<?> stage) {
            AsyncWork work = new AsyncWork(exchange, stage.thenApply(Function.identity()), true, defaultStatus,
                    State.RUNNING);
            asyncManager.registerDeferredResultInterceptor(INTERCEPTOR_KEY, work);
            stage.whenComplete((result, failure) -> work.ended(failure == null ? result : unwrap(failure)));
            return work;
        }
        if (value instanceof DeferredResult<?>) {
            AsyncWork work = new AsyncWork(exchange, value, false, defaultStatus, State.RUNNING);
            asyncManager.registerDeferredResultInterceptor(INTERCEPTOR_KEY, work);
            return work;
        }
        AsyncWork work = new AsyncWork(exchange, value, true, defaultStatus, State.NOT_STARTED);
        asyncManager.registerCallableInterceptor(INTERCEPTOR_KEY, work);
        return work;
    }

    /** What Spring MVC is to handle in place of the handler's return value. */
    Object handled() {
        return handled;
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * Whether the request was answered before the work ended, so that the claim is the work's to
     * end (or, for work whose end cannot be seen, was ended when the request was answered).
     */
    boolean answeredFirst() {
        return state.get() == State.ANSWERED;
    }

    private void ended(Object result) {
        outcome = result;
        if (!state.compareAndSet(State.RUNNING, State.ENDED) && state.get() == State.ANSWERED) {
            exchange.workEndedAfterItsAnswer(statusOf(result));
        }
    }

    /** The status {@code result} would have been answered with. */
    private int statusOf(Object result) {
        if (result instanceof ErrorResponse error) {
            return error.getStatusCode().value();
        }
        if (result instanceof Throwable) {
            return 500;
        }
        return result instanceof ResponseEntity<?> entity ? entity.getStatusCode().value() : defaultStatus;
    }

    @Override
    public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
        if (!state.compareAndSet(State.NOT_STARTED, State.RUNNING)) {
            // Its request timed out before it started, and its key was released: it must not run now.
            throw new IllegalStateException("The request timed out before its work started");
        }
    }

    @Override
    public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
        ended(concurrentResult);
    }

    @Override
    public <T> Object handleTimeout(NativeWebRequest request, Callable<T> task) {
        if (state.compareAndSet(State.NOT_STARTED, State.ABANDONED)) {
            exchange.workNeverStarted();
            return RESULT_NONE;
        }
        if (state.compareAndSet(State.RUNNING, State.ANSWERED)) {
            return new IdempotentRequestInProgressException();
        }
        // It ended just now: its own result is the answer, whichever thread dispatches it first.
        return state.get() == State.ENDED ? outcome : RESULT_NONE;
    }

    @Override
    public <T> Object handleError(NativeWebRequest request, Callable<T> task, Throwable failure) {
        if (state.compareAndSet(State.NOT_STARTED, State.ABANDONED)) {
            exchange.workNeverStarted();
        }
        state.compareAndSet(State.RUNNING, State.ANSWERED);
        return RESULT_NONE;
    }

    @Override
    public <T> boolean handleTimeout(NativeWebRequest request, DeferredResult<T> deferredResult) {
        if (state.compareAndSet(State.RUNNING, State.ANSWERED)) {
            if (!observable) {
                exchange.workEndedUnseen();
            }
            deferredResult.setErrorResult(new IdempotentRequestInProgressException());
            return false;
        }
        if (state.get() == State.ENDED) {
            // The stage ended just now: its own result is the answer (a value is set as an error result is).
            deferredResult.setErrorResult(outcome);
        }
        return false;
    }

    @Override
    public <T> boolean handleError(NativeWebRequest request, DeferredResult<T> deferredResult, Throwable failure) {
        if (state.compareAndSet(State.RUNNING, State.ANSWERED) && !observable) {
            exchange.workEndedUnseen();
        }
        return true;
    }

    @Override
    public <T> void postProcess(NativeWebRequest request, DeferredResult<T> deferredResult, Object concurrentResult) {
        if (!observable) {
            ended(concurrentResult);
        }
    }
}
