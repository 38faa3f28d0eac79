package dev.idempotency.actuate;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.idempotency.engine.IdempotencyListener;
import dev.idempotency.engine.Outcome;

/**
 * Observes each idempotent execution as an {@link Observation} named {@value #NAME}, from the
 * claim to its outcome, with the low-cardinality key values {@code storage} and {@code outcome}.
 * The key is never recorded. No scope is opened: an execution may end on another thread than the
 * one it started on (an asynchronous HTTP handler, a result stored in the background).
 */
public final class IdempotencyObservationListener implements IdempotencyListener {

    /** The name of the observation. */
    public static final String NAME = "idempotency";

    /** The outcome key values, built once rather than per execution. */
    private static final Map<Outcome, KeyValue> OUTCOMES = new EnumMap<>(Outcome.class);

    static {
        for (Outcome outcome : Outcome.values()) {
            OUTCOMES.put(outcome, KeyValue.of("outcome", outcome.tag()));
        }
    }

    private final ObservationRegistry registry;
    private final Map<String, KeyValue> storages = new ConcurrentHashMap<>();

    /**
     * A listener that starts one observation per execution.
     *
     * @param registry where the observations are reported
     */
    public IdempotencyObservationListener(ObservationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Execution started(String storage) {
        if (registry.isNoop()) {
            return Execution.NONE;
        }
        Observation observation = Observation.createNotStarted(NAME, registry)
                .contextualName(NAME)
                .lowCardinalityKeyValue(storages.computeIfAbsent(storage, name -> KeyValue.of("storage", name)))
                .start();
        return outcome -> observation.lowCardinalityKeyValue(OUTCOMES.get(outcome)).stop();
    }
}
