package dev.idempotency.actuate;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

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
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new HashMap<>();

    /**
     * Times the calls to {@code delegate}, registering every timer up front.
     *
     * @param delegate the storage that answers the calls
     * @param registry where the timers are registered
     */
    public TimedIdempotencyStorage(IdempotencyStorage delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        register("claim", "acquired", "held", "error");
        for (String operation : new String[] { "complete", "release", "renew", "confirm" }) {
            register(operation, "ok", "lost", "error");
        }
    }

    private void register(String operation, String... results) {
        for (String result : results) {
            timers.put(operation + '/' + result, Timer.builder(TIMER)
                    .description("Calls of the idempotency storage, by operation and result")
                    .tag("operation", operation)
                    .tag("result", result)
                    .tag("storage", delegate.name())
                    .register(registry));
        }
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        return timed("claim", () -> delegate.attemptLock(key, value, lease),
                result -> result instanceof ClaimResult.Acquired ? "acquired" : "held");
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        return timed("complete", () -> delegate.complete(key, token, value, retention), TimedIdempotencyStorage::owned);
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        return timed("release", () -> delegate.release(key, token), TimedIdempotencyStorage::owned);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        return timed("renew", () -> delegate.extend(key, token, lease), TimedIdempotencyStorage::owned);
    }

    @Override
    public boolean confirmBeforeCommit(String key, OwnerToken token, byte[] committedValue, Duration lease,
            Duration retention) {
        return timed("confirm", () -> delegate.confirmBeforeCommit(key, token, committedValue, lease, retention),
                TimedIdempotencyStorage::owned);
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

    private <T> T timed(String operation, Supplier<T> call, Function<T, String> result) {
        Timer.Sample sample = Timer.start(registry);
        T answer;
        try {
            answer = call.get();
        }
        catch (RuntimeException ex) {
            sample.stop(timers.get(operation + "/error"));
            throw ex;
        }
        sample.stop(timers.get(operation + '/' + result.apply(answer)));
        return answer;
    }

    private static String owned(boolean stillOwned) {
        return stillOwned ? "ok" : "lost";
    }
}
