package dev.idempotency.actuate;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.idempotency.engine.IdempotencyListener;

/**
 * Observes each idempotent execution as an {@link Observation} named {@value #NAME}, from the
 * claim to its outcome, with the low-cardinality key values {@code storage} and {@code outcome}.
 * The key is never recorded. No scope is opened: an execution may end on another thread than the
 * one it started on (an asynchronous HTTP handler, a result stored in the background).
 */
public final class IdempotencyObservationListener implements IdempotencyListener {

    /** The name of the observation. */
    public static final String NAME = "idempotency";

    private final ObservationRegistry registry;

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
        Observation observation = Observation.createNotStarted(NAME, registry)
                .contextualName(NAME)
                .lowCardinalityKeyValue("storage", storage)
                .start();
        return outcome -> observation.lowCardinalityKeyValue("outcome", outcome.tag()).stop();
    }
}
