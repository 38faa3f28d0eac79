package dev.idempotency.storage.nats;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.nats.client.impl.NatsStatistics;

/**
 * The statistics of a test's own connection, which can also hold back the answers to its
 * requests. jnats delivers each answer on its reply dispatcher thread, and tells the statistics
 * ({@link #decrementOutstandingRequests}) before it completes the request's future; blocking there
 * keeps every answer from the caller until {@link #release()}. So while answers are held, a caller
 * that waits for an answer cannot send anything more: the requests it sent by then are the ones it
 * sent before waiting, that is, in one round trip.
 */
final class HeldAnswers extends NatsStatistics {

    private static final long MAX_HOLD_SECONDS = 30;

    private final Object sentChanged = new Object();
    private volatile CountDownLatch gate;
    private volatile CountDownLatch firstHeld = new CountDownLatch(1);
    private long sent;

    /** From now on, answers wait until {@link #release()}. */
    void hold() {
        firstHeld = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /**
     * Waits until an answer has arrived since {@link #hold()} and is being held: the server has
     * acted on the request it answers.
     *
     * @return {@code false} when none arrived within {@code timeout}
     */
    boolean awaitHeld(Duration timeout) throws InterruptedException {
        return firstHeld.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Lets every held answer, and all later ones, through. */
    void release() {
        CountDownLatch held = gate;
        gate = null;
        if (held != null) {
            held.countDown();
        }
    }

    /** Requests sent on the connection so far. */
    long sent() {
        synchronized (sentChanged) {
            return sent;
        }
    }

    /**
     * Waits until {@code count} requests have been sent in all, or {@code timeout} has passed.
     *
     * @return the number sent by then
     */
    long awaitSent(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (sentChanged) {
            while (sent < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(sentChanged, left);
            }
            return sent;
        }
    }

    @Override
    public void incrementRequestsSent() {
        super.incrementRequestsSent();
        synchronized (sentChanged) {
            sent++;
            sentChanged.notifyAll();
        }
    }

    @Override
    public void decrementOutstandingRequests() {
        CountDownLatch held = gate;
        if (held != null) {
            firstHeld.countDown();
            try {
                held.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        super.decrementOutstandingRequests();
    }
}
