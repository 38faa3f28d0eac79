package dev.idempotency.actuate;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.Outcome;

/**
 * Counts idempotent requests in {@value #REQUESTS}, tagged {@code outcome} ({@link Outcome#tag()})
 * and {@code storage} (the storage's name). Never tags a key.
 */
public final class IdempotencyMetricsListener implements IdempotencyListener {

    /** The name of the request counter. */
    public static final String REQUESTS = "idempotency.requests";

    private final MeterRegistry registry;
    private final Map<String, Map<Outcome, Counter>> counters = new ConcurrentHashMap<>();

    /**
     * A listener that registers its counters, per storage, on first use.
     *
     * @param registry where the counters are registered
     */
    public IdempotencyMetricsListener(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Execution started(String storage) {
        Map<Outcome, Counter> byOutcome = counters.computeIfAbsent(storage, this::register);
        return outcome -> byOutcome.get(outcome).increment();
    }

    private Map<Outcome, Counter> register(String storage) {
        Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            byOutcome.put(outcome, Counter.builder(REQUESTS)
                    .description("Idempotent requests, by how they ended")
                    .tag("outcome", outcome.tag())
                    .tag("storage", storage)
                    .register(registry));
        }
        return byOutcome;
    }
}
