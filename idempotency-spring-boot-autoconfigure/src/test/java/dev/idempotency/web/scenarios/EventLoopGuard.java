package dev.idempotency.web.scenarios;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.util.concurrent.FastThreadLocalThread;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.annotation.Bean;

import dev.idempotency.autoconfigure.IdempotencyStorageDecorator;
import dev.idempotency.storage.AsyncIdempotencyStorage;
import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.OwnerToken;
import dev.idempotency.storage.StoredEntry;

/**
 * Fails a WebFlux test when an event-loop thread makes a blocking storage call: wraps the
 * application's storage and records every blocking call made on an event loop (a thread Reactor
 * marks as non-blocking, as Reactor Netty's are, or any Netty thread, as Lettuce's are), throwing
 * there so that the request fails too.
 * The storage's asynchronous form is the wrapped storage's own, so a native one stays native.
 */
final class EventLoopGuard implements IdempotencyStorage {

    private final IdempotencyStorage delegate;
    private final Watch watch;

    EventLoopGuard(IdempotencyStorage delegate, Watch watch) {
        this.delegate = delegate;
        this.watch = watch;
    }

    /** What the guard saw, for the test to check. */
    static final class Watch {

        private final List<String> violations = new CopyOnWriteArrayList<>();
        private final AtomicInteger asyncCalls = new AtomicInteger();

        /** The blocking calls made on event-loop threads: the call and its thread. */
        List<String> blockingCallsOnEventLoops() {
            return violations;
        }

        /** How many calls went through the asynchronous form. */
        int asyncCalls() {
            return asyncCalls.get();
        }
    }

    private void blocking(String call) {
        if (onEventLoop()) {
            String violation = call + " on " + Thread.currentThread().getName();
            watch.violations.add(violation);
            throw new IllegalStateException("A blocking storage call on an event loop: " + violation);
        }
    }

    /** Whether the calling thread is an event loop's. */
    static boolean onEventLoop() {
        return Schedulers.isInNonBlockingThread() || Thread.currentThread() instanceof FastThreadLocalThread;
    }

    @Override
    public ClaimResult attemptLock(String key, byte[] value, Duration lease) {
        blocking("attemptLock");
        return delegate.attemptLock(key, value, lease);
    }

    @Override
    public boolean complete(String key, OwnerToken token, byte[] value, Duration retention) {
        blocking("complete");
        return delegate.complete(key, token, value, retention);
    }

    @Override
    public boolean release(String key, OwnerToken token) {
        blocking("release");
        return delegate.release(key, token);
    }

    @Override
    public boolean extend(String key, OwnerToken token, Duration lease) {
        blocking("extend");
        return delegate.extend(key, token, lease);
    }

    /** The wrapped storage's own asynchronous form, its calls counted. */
    @Override
    public AsyncIdempotencyStorage async(Executor blockingCalls) {
        AsyncIdempotencyStorage async = delegate.async(blockingCalls);
        return new AsyncIdempotencyStorage() {
            @Override
            public CompletionStage<ClaimResult> attemptLock(String key, byte[] value, Duration lease) {
                watch.asyncCalls.incrementAndGet();
                return async.attemptLock(key, value, lease);
            }

            @Override
            public CompletionStage<Boolean> complete(String key, OwnerToken token, byte[] value, Duration retention) {
                watch.asyncCalls.incrementAndGet();
                return async.complete(key, token, value, retention);
            }

            @Override
            public CompletionStage<Boolean> release(String key, OwnerToken token) {
                watch.asyncCalls.incrementAndGet();
                return async.release(key, token);
            }

            @Override
            public CompletionStage<Boolean> extend(String key, OwnerToken token, Duration lease) {
                watch.asyncCalls.incrementAndGet();
                return async.extend(key, token, lease);
            }
        };
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
        blocking("awaitChange");
        delegate.awaitChange(key, timeout);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    /** Puts the guard around the application's storage, and exposes what it saw to the test. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Configuration {

        @Bean
        Watch eventLoopWatch() {
            return new Watch();
        }

        @Bean
        IdempotencyStorageDecorator eventLoopGuardDecorator(Watch watch) {
            return storage -> new EventLoopGuard(storage, watch);
        }
    }
}
