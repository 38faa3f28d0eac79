package dev.idempotency.storage.memory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.storage.ClaimResult;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageContractTest;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.ImmediateStorage;
import dev.idempotency.storage.OwnerToken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryIdempotencyStorageTest extends IdempotencyStorageContractTest {

    private final InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10_000, Duration.ofMinutes(1));

    @Override
    protected IdempotencyStorage storage() {
        return storage;
    }

    @Test
    void aWallClockStepForwardLongerThanTheLeaseNeitherEndsTheLeaseNorTheRetention() {
        MutableClock wallClock = new MutableClock();
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1), wallClock,
                System::nanoTime)) {
            OwnerToken running = ((ClaimResult.Acquired) storage.attemptLock("running", bytes("r"), LONG)).token();
            OwnerToken done = ((ClaimResult.Acquired) storage.attemptLock("done", bytes("d"), LONG)).token();
            storage.complete("done", done, bytes("result"), LONG);

            wallClock.advance(Duration.ofHours(1));

            assertThat(storage.attemptLock("running", bytes("retry"), LONG)).as("a retry of the running request")
                    .isInstanceOf(ClaimResult.Held.class);
            assertThat(storage.attemptLock("done", bytes("retry"), LONG)).isInstanceOfSatisfying(ClaimResult.Held.class,
                    held -> assertThat(held.value()).isEqualTo(bytes("result")));
            assertThat(storage.read("done").orElseThrow().expiresAt()).as("dated by the wall clock")
                    .isBetween(wallClock.instant().plus(LONG).minusSeconds(10), wallClock.instant().plus(LONG));
            assertThat(storage.complete("running", running, bytes("finished"), LONG)).isTrue();
        }
    }

    @Override
    protected LosableAnswers losableAnswers() {
        return new AnswerLosingSeam(storage);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void whenFullANewClaimIsRefusedWithAStorageError() {
        try (InMemoryIdempotencyStorage small = new InMemoryIdempotencyStorage(2, Duration.ofMinutes(1))) {
            small.attemptLock("a", bytes("a"), LONG);
            small.attemptLock("b", bytes("b"), LONG);

            assertThatThrownBy(() -> small.attemptLock("c", bytes("c"), LONG))
                    .isInstanceOf(IdempotencyStorageException.class)
                    .hasMessageContaining("idempotency.storage.memory.max-entries");
            assertThat(small.attemptLock("a", bytes("again"), LONG)).isInstanceOf(ClaimResult.Held.class);
            assertThat(small.size()).isEqualTo(2);
        }
    }

    @Test
    void whenFullExpiredEntriesMakeRoomButLiveOnesAreNeverEvicted() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage small = new InMemoryIdempotencyStorage(2, Duration.ofMinutes(1), clock,
                clock::nanoTime)) {
            small.attemptLock("short", bytes("s"), Duration.ofSeconds(1));
            small.attemptLock("long", bytes("l"), Duration.ofHours(1));
            clock.advance(Duration.ofSeconds(2));

            assertThat(small.attemptLock("new", bytes("n"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(small.attemptLock("long", bytes("x"), LONG)).isInstanceOf(ClaimResult.Held.class);
            assertThatThrownBy(() -> small.attemptLock("third", bytes("t"), LONG))
                    .isInstanceOf(IdempotencyStorageException.class);
        }
    }

    @Test
    void sweepDropsExpiredEntriesOnly() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1), clock,
                clock::nanoTime)) {
            OwnerToken token = ((ClaimResult.Acquired) storage.attemptLock("done", bytes("d"), LONG)).token();
            storage.complete("done", token, bytes("d"), Duration.ofSeconds(5));
            storage.attemptLock("running", bytes("r"), Duration.ofHours(1));
            clock.advance(Duration.ofSeconds(10));

            storage.sweep();

            assertThat(storage.size()).isEqualTo(1);
            assertThat(storage.attemptLock("running", bytes("x"), LONG)).isInstanceOf(ClaimResult.Held.class);
        }
    }

    @Test
    void leaseEndIsJudgedByTheInjectedMonotonicClock() {
        MutableClock clock = new MutableClock();
        try (InMemoryIdempotencyStorage storage = new InMemoryIdempotencyStorage(10, Duration.ofMinutes(1), clock,
                clock::nanoTime)) {
            OwnerToken stale = ((ClaimResult.Acquired) storage.attemptLock("k", bytes("v"), Duration.ofSeconds(30))).token();
            clock.advance(Duration.ofSeconds(29));
            assertThat(storage.attemptLock("k", bytes("w"), LONG)).isInstanceOf(ClaimResult.Held.class);

            clock.advance(Duration.ofSeconds(1));
            assertThat(storage.attemptLock("k", bytes("w"), LONG)).isInstanceOf(ClaimResult.Acquired.class);
            assertThat(storage.complete("k", stale, bytes("stale"), LONG)).isFalse();
        }
    }

    /**
     * The storage behind a seam that, while it holds, lets each call take effect and then throws
     * as a call whose answer timed out does. A dynamic proxy, so every method of the SPI goes
     * through it.
     */
    private static final class AnswerLosingSeam implements LosableAnswers, InvocationHandler {

        private final IdempotencyStorage delegate;
        private final IdempotencyStorage seam;
        private volatile boolean holding;

        AnswerLosingSeam(IdempotencyStorage delegate) {
            this.delegate = delegate;
            this.seam = (IdempotencyStorage) Proxy.newProxyInstance(IdempotencyStorage.class.getClassLoader(),
                    new Class<?>[] { IdempotencyStorage.class }, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("async")) {
                // The in-memory asynchronous form answers its blocking calls at once: these, through the seam.
                return new ImmediateStorage(seam);
            }
            Object answer;
            try {
                answer = method.invoke(delegate, args);
            }
            catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
            // name and joinsCurrentTransaction answer from what the caller holds, without a store call to lose.
            if (holding && !method.getName().equals("name") && !method.getName().equals("joinsCurrentTransaction")) {
                throw new IdempotencyStorageException("injected: the answer to " + method.getName() + " was lost");
            }
            return answer;
        }

        @Override
        public IdempotencyStorage storage() {
            return seam;
        }

        @Override
        public void hold() {
            holding = true;
        }

        @Override
        public void deliverHeld() {
            holding = false;
        }

        @Override
        public void close() {
        }
    }

    /** A wall clock and a monotonic one that the test moves together, by hand. */
    private static final class MutableClock implements InstantSource {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");
        private long nanoTime = 123_456_789;

        @Override
        public Instant instant() {
            return now;
        }

        long nanoTime() {
            return nanoTime;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
            nanoTime += duration.toNanos();
        }
    }
}
