package dev.idempotency.autoconfigure;

import java.util.List;

import dev.idempotency.engine.IdempotencyListener;

/**
 * Tells every {@link IdempotencyListener} bean when a request starts and how it ends, and forwards
 * the other events to {@link CompositeIdempotencyListener}, which does not forward
 * {@link #started(String)}. Without this the metrics and observation listeners would never hear of
 * a request.
 */
final class ExecutionForwardingListener implements IdempotencyListener {

    private final List<IdempotencyListener> listeners;
    private final IdempotencyListener events;

    ExecutionForwardingListener(List<IdempotencyListener> listeners) {
        this.listeners = List.copyOf(listeners);
        this.events = new CompositeIdempotencyListener(this.listeners);
    }

    @Override
    public Execution started(String storage) {
        if (listeners.isEmpty()) {
            return Execution.NONE;
        }
        if (listeners.size() == 1) {
            return listeners.get(0).started(storage);
        }
        List<Execution> executions = listeners.stream().map(listener -> listener.started(storage)).toList();
        return outcome -> executions.forEach(execution -> execution.finished(outcome));
    }

    @Override
    public void leaseLost(String keyLabel) {
        events.leaseLost(keyLabel);
    }

    @Override
    public void failedOpen(String keyLabel) {
        events.failedOpen(keyLabel);
    }

    @Override
    public void completionAbandoned(String keyLabel) {
        events.completionAbandoned(keyLabel);
    }
}
