package dev.idempotency.autoconfigure;

import java.util.List;

import dev.idempotency.engine.IdempotencyListener;

/** Tells every {@link IdempotencyListener} bean, in order. */
final class CompositeIdempotencyListener implements IdempotencyListener {

    private final List<IdempotencyListener> listeners;

    CompositeIdempotencyListener(List<IdempotencyListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public Execution started(String storage) {
        if (listeners.isEmpty()) {
            return Execution.NONE;
        }
        if (listeners.size() == 1) {
            return listeners.get(0).started(storage);
        }
        // Once per request: an array and a loop rather than a stream pipeline and a list.
        Execution[] executions = new Execution[listeners.size()];
        for (int i = 0; i < executions.length; i++) {
            executions[i] = listeners.get(i).started(storage);
        }
        return outcome -> {
            for (Execution execution : executions) {
                execution.finished(outcome);
            }
        };
    }

    @Override
    public void leaseLost(String keyLabel) {
        listeners.forEach(listener -> listener.leaseLost(keyLabel));
    }

    @Override
    public void failedOpen(String keyLabel) {
        listeners.forEach(listener -> listener.failedOpen(keyLabel));
    }

    @Override
    public void completionAbandoned(String keyLabel) {
        listeners.forEach(listener -> listener.completionAbandoned(keyLabel));
    }
}
