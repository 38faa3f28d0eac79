package dev.idempotency.actuate;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

/**
 * An {@link IdempotencyStorage} that times the calls of the claim protocol in {@value #TIMER},
 * tagged {@code operation} ({@code claim}, {@code complete}, {@code release}, {@code renew},
 * {@code confirm} for the confirmation before an application transaction commits),
 * {@code result} ({@code acquired} or {@code held} for a claim; {@code ok} or {@code lost}
 * otherwise; {@code error} when the storage threw) and {@code storage}. Operator calls
 * ({@code read}, {@code delete}, {@code ping}), {@code awaitChange} and {@code joinsCurrentTransaction}
 * are delegated untimed.
 */
public final class TimedIdempotencyStorage implements IdempotencyStorage {

    /** The name of the storage call timer. */
    public static final String TIMER = "idempotency.storage";

    private final IdempotencyStorage delegate;
    private final Clock clock;
    private final Timers claim;
    private final Timers complete;
    private final Timers release;
    private final Timers renew;
    private final Timers confirm;

    /**
     * Times the calls to {@code delegate}, registering every timer up front.
     *
     * @param delegate the storage that answers the calls
     * @param registry where the timers are registered
     */
    public TimedIdempotencyStorage(IdempotencyStorage delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.clock = registry.config().clock();
        this.claim = register(registry, "claim", "acquired", "held");
        this.complete = register(registry, "complete", "ok", "lost");
        this.release = register(registry, "release", "ok", "lost");
        this.renew = register(registry, "renew", "ok", "lost");
        this.confirm = register(registry, "confirm", "ok", "lost");
    }

    /** The timers of one operation, registered once: a call looks nothing up and builds no tag. */
    private record Timers(Timer succeeded, Timer otherwise, Timer error) {

        /** @param succeeded whether the call answered the first of its results ({@code acquired}, {@code ok}) */
        void record(boolean succeeded, long nanos) {
            (succeeded ? this.succeeded : otherwise).record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private Timers register(MeterRegistry registry, String operation, String succeeded, String otherwise) {
        return new Timers(register(registry, operation, succeeded), register(registry, operation, otherwise),
                register(registry, operation, "error"));
    }

    private Timer register(MeterRegistry registry, String operation, String result) {
        return Timer.builder(TIMER)
                .description("Calls of the idempotency storage, by operation and result")
                .tag("operation", operation)
                .tag("result", result)
                .tag("storage", delegate.name())
                .register(registry);
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        return timed(claim, () -> delegate.attemptLock(key, value, lease),
                result -> result instanceof ClaimResult.Acquired);
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return timed(complete, () -> delegate.complete(key, token, value, retention), Boolean::booleanValue);
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return timed(release, () -> delegate.release(key, token), Boolean::booleanValue);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return timed(renew, () -> delegate.extend(key, token, lease), Boolean::booleanValue);
    }

    @Override
    public boolean confirmBeforeCommit(String key, OwnerToken token, byte[] committedValue, Duration lease,
            Duration retention) {
        return timed(confirm, () -> delegate.confirmBeforeCommit(key, token, committedValue, lease, retention),
                Boolean::booleanValue);
    }

    /** The delegate's asynchronous form, its claim protocol timed as the blocking form's is. */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        AsyncIdempotencyStorage async = delegate.async(blockingCalls);
        return new AsyncIdempotencyStorage() {
            @Override
            public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
                return timedAsync(claim, () -> async.attemptLock(key, value, lease),
                        result -> result instanceof ClaimResult.Acquired);
            }

            @Override
            public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
                return timedAsync(complete, () -> async.complete(key, token, value, retention), Boolean::booleanValue);
            }

            @Override
            public CompletionStage<Boolean> release(String key, OwnerToken token) {
                return timedAsync(release, () -> async.release(key, token), Boolean::booleanValue);
            }

            @Override
            public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
                return timedAsync(renew, () -> async.extend(key, token, lease), Boolean::booleanValue);
            }
        };
    }

    @Override
    public boolean joinsCurrentTransaction() {
        return delegate.joinsCurrentTransaction();
    }

    @Override
    public boolean delete(String key) {
        return delegate.delete(key);
    }

    @Override
    public Optional<StoredEntry> read(String key) {
        return delegate.read(key);
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public void awaitChange(String key, Duration timeout) throws InterruptedException {
        delegate.awaitChange(key, timeout);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    private <T> T timed(Timers timers, Supplier<T> call, Predicate<T> succeeded) {
        long start = clock.monotonicTime();
        T answer;
        try {
            answer = call.get();
        }
        catch (RuntimeException ex) {
            timers.error().record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
            throw ex;
        }
        timers.record(succeeded.test(answer), clock.monotonicTime() - start);
        return answer;
    }

    private <T> CompletionStage<T> timedAsync(Timers timers, Supplier<CompletionStage<T>> call,
            Predicate<T> succeeded) {
        long start = clock.monotonicTime();
        return call.get().whenComplete((answer, failure) -> {
            long nanos = clock.monotonicTime() - start;
            if (failure != null) {
                timers.error().record(nanos, TimeUnit.NANOSECONDS);
            }
            else {
                timers.record(succeeded.test(answer), nanos);
            }
        });
    }
}
