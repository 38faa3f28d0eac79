package dev.idempotency.template;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.engine.ClaimOptions;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentWork;
import dev.idempotency.engine.RequestFingerprint;

/**
 * Runs a piece of work at most once per key, for code that cannot use {@code @Idempotent}:
 * message listeners, batch jobs, scheduled tasks. The first call with a key runs the work and
 * stores its result as JSON; later calls with the key get that result back, read as the given
 * type, without running the work. A call while the first still runs is refused with
 * {@link dev.idempotency.engine.IdempotentRequestInProgressException} (or waits, see
 * {@link IdempotencyOptions#maxWait()}); the same key with another payload is refused with
 * {@link dev.idempotency.engine.IdempotencyKeyReusedException}. When the work throws, the key is
 * released and the exception rethrown unchanged, so a redelivery runs it again.
 *
 * <p>A message listener that may see a message more than once:
 * <pre>{@code
 * @KafkaListener(topics = "payments")
 * void onPayment(PaymentRequested event) {
 *     Receipt receipt = idempotency.execute(event.paymentId(), Receipt.class,
 *             IdempotencyOptions.DEFAULTS.withScope("payments").withPayload(event),
 *             () -> gateway.charge(event));
 *     receipts.send(receipt);
 * }
 * }</pre>
 *
 * The {@code @Idempotent} aspect runs through this template too, so both follow one engine.
 */
public final class IdempotencyTemplate {

    private final IdempotencyKeeper keeper;
    private final JsonMapper jsonMapper;
    private final Map<Type, JsonResultCodec> codecs = new ConcurrentHashMap<>(64);

    public IdempotencyTemplate(IdempotencyKeeper keeper, JsonMapper jsonMapper) {
        this.keeper = keeper;
        this.jsonMapper = jsonMapper;
    }

    /** Runs {@code work} at most once for {@code key} in the default scope; its result is read back as {@code type}. */
    public <T> T execute(String key, Class<T> type, Supplier<T> work) {
        return execute(key, type, IdempotencyOptions.DEFAULTS, work);
    }

    /** Runs {@code work} at most once for {@code key} with {@code options}; its result is read back as {@code type}. */
    public <T> T execute(String key, Class<T> type, IdempotencyOptions options, Supplier<T> work) {
        return execute(key, (Type) type, options, work::get);
    }

    /** Runs {@code work} at most once for {@code key}; its result is read back as the generic {@code type}. */
    public <T> T execute(String key, TypeReference<T> type, IdempotencyOptions options, Supplier<T> work) {
        return execute(key, type.getType(), options, work::get);
    }

    /** Runs {@code work}, which returns nothing, at most once for {@code key} with {@code options}. */
    public void run(String key, IdempotencyOptions options, Runnable work) {
        execute(key, void.class, options, () -> {
            work.run();
            return null;
        });
    }

    /**
     * The general form: {@code work} may throw anything, which is rethrown unchanged; its result
     * is read back as {@code resultType}.
     */
    @SuppressWarnings("unchecked")
    public <T, E extends Throwable> T execute(String key, Type resultType, IdempotencyOptions options,
            IdempotentWork<T, E> work) throws E {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("An idempotency key must not be empty");
        }
        RequestFingerprint fingerprint = RequestFingerprint.builder()
                .add(options.scope())
                .add(options.payload() == null ? new byte[0] : jsonMapper.writeValueAsBytes(options.payload()))
                .build();
        ClaimOptions claim = new ClaimOptions(options.maxWait(), options.ttl(), options.lease(), options.takeover());
        JsonResultCodec codec = codecs.computeIfAbsent(resultType, type -> new JsonResultCodec(jsonMapper, type));
        return (T) keeper.execute(new IdempotencyKey(options.scope(), key), fingerprint, claim, codec,
                (IdempotentWork<Object, E>) work);
    }
}
