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
