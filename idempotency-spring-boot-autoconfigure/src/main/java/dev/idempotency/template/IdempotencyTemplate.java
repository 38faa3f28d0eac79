package dev.idempotency.template;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * The {@code @Idempotent} advisor runs through this template too, so both follow one engine.
 */
public final class IdempotencyTemplate {

    private final IdempotencyKeeper keeper;
    private final JsonMapper jsonMapper;
    private final Map<Type, JsonResultCodec> codecs = new ConcurrentHashMap<>(64);

    /**
     * A template over the engine.
     *
     * @param keeper the engine that claims, completes and releases keys
     * @param jsonMapper writes payloads for the fingerprint, and results for storing and reading back
     */
    public IdempotencyTemplate(IdempotencyKeeper keeper, JsonMapper jsonMapper) {
        this.keeper = keeper;
        this.jsonMapper = jsonMapper;
    }

    /**
     * Runs {@code work} at most once for {@code key} with {@link IdempotencyOptions#DEFAULTS}; its
     * result is read back as {@code type}.
     *
     * @param <T> the result's type
     * @param key the caller's idempotency key, not empty
     * @param type the class the stored result is read back as
     * @param work runs only for the first call with the key
     * @return the work's result, or the stored result of the first call
     */
    public <T> T execute(String key, Class<T> type, Supplier<T> work) {
        return execute(key, type, IdempotencyOptions.DEFAULTS, work);
    }

    /**
     * Runs {@code work} at most once for {@code key} with {@code options}; its result is read back
     * as {@code type}.
     *
     * @param <T> the result's type
     * @param key the caller's idempotency key, not empty
     * @param type the class the stored result is read back as
     * @param options the scope, payload and overrides of this call
     * @param work runs only for the first call with the key
     * @return the work's result, or the stored result of the first call
     */
    public <T> T execute(String key, Class<T> type, IdempotencyOptions options, Supplier<T> work) {
        return execute(key, (Type) type, options, work::get);
    }

    /**
     * Runs {@code work} at most once for {@code key}; its result is read back as the generic
     * {@code type}, such as {@code new TypeReference<List<Receipt>>() {}}.
     *
     * @param <T> the result's type
     * @param key the caller's idempotency key, not empty
     * @param type the generic type the stored result is read back as
     * @param options the scope, payload and overrides of this call
     * @param work runs only for the first call with the key
     * @return the work's result, or the stored result of the first call
     */
    public <T> T execute(String key, TypeReference<T> type, IdempotencyOptions options, Supplier<T> work) {
        return execute(key, type.getType(), options, work::get);
    }

    /**
     * Runs {@code work}, which returns nothing, at most once for {@code key} with {@code options}.
     *
     * @param key the caller's idempotency key, not empty
     * @param options the scope, payload and overrides of this call
     * @param work runs only for the first call with the key
     */
    public void run(String key, IdempotencyOptions options, Runnable work) {
        execute(key, void.class, options, () -> {
            work.run();
            return null;
        });
    }

    /**
     * The general form: {@code work} may throw anything, which is rethrown unchanged; its result
     * is read back as {@code resultType}. A result that Jackson cannot write, or cannot read back
     * as {@code resultType}, is not stored: this call throws
     * {@link dev.idempotency.engine.IdempotentResultNotReplayableException} with Jackson's failure
     * as its cause, and so does every later call with the key, without running the work.
     *
     * @param <T> the result's type
     * @param <E> what the work may throw
     * @param key the caller's idempotency key, not empty
     * @param resultType the type the stored result is read back as
     * @param options the scope, payload and overrides of this call
     * @param work runs only for the first call with the key
     * @return the work's result, or the stored result of the first call
     * @throws E what the work threw; the key is released, so a retry runs it again
     */
    @SuppressWarnings("unchecked")
    public <T, E extends Throwable> T execute(String key, Type resultType, IdempotencyOptions options,
            IdempotentWork<T, E> work) throws E {
        Call call = call(key, resultType, options);
        return (T) keeper.execute(call.key(), call.fingerprint(), call.claim(), call.codec(),
                (IdempotentWork<Object, E>) work);
    }

    /**
     * Runs {@code work}, which answers with a {@link CompletionStage}, at most once for {@code key}:
     * the key is claimed now, the stage's value is stored when it completes (and read back as
     * {@code valueType} by later calls, which get a completed future), and a failed stage releases
     * the key. See {@link IdempotencyKeeper#executeAsync}.
     *
     * @param <T> the stage's value type
     * @param <E> what the work may throw instead of returning a stage
     * @param key the caller's idempotency key, not empty
     * @param valueType the type the stored value is read back as
     * @param options the scope, payload and overrides of this call
     * @param work runs only for the first call with the key, and answers with a stage
     * @return a future of the stage's value, or a completed future of the stored value
     * @throws E what the work threw instead of returning a stage; the key is released
     */
    @SuppressWarnings("unchecked")
    public <T, E extends Throwable> CompletableFuture<T> executeAsync(String key, Type valueType,
            IdempotencyOptions options, IdempotentWork<? extends CompletionStage<T>, E> work) throws E {
        Call call = call(key, valueType, options);
        return (CompletableFuture<T>) (CompletableFuture<?>) keeper.executeAsync(call.key(), call.fingerprint(),
                call.claim(), call.codec(), (IdempotentWork<? extends CompletionStage<Object>, E>) work);
    }

    /**
     * Why a result declared as {@code resultType} could never be read back, as far as the type
     * alone tells (an interface or abstract class Jackson is not told how to build, a class with no
     * creator); empty when Jackson can build it. A result may still fail to read back for what it
     * holds at run time, which {@link #execute(String, Type, IdempotencyOptions, IdempotentWork)}
     * finds before storing it.
     *
     * @param resultType the declared type of a result
     * @return why a result of that type cannot be read back, or empty
     */
    public Optional<String> whyUnreadable(Type resultType) {
        return codec(resultType).whyUnreadable();
    }

    private Call call(String key, Type resultType, IdempotencyOptions options) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("An idempotency key must not be empty");
        }
        RequestFingerprint fingerprint = RequestFingerprint.builder()
                .add(options.scope())
                .add(options.payload() == null ? new byte[0] : jsonMapper.writeValueAsBytes(options.payload()))
                .build();
        return new Call(new IdempotencyKey(options.scope(), key), fingerprint,
                new ClaimOptions(options.maxWait(), options.ttl(), options.lease(), options.takeover()),
                codec(resultType));
    }

    private JsonResultCodec codec(Type resultType) {
        return codecs.computeIfAbsent(resultType, type -> new JsonResultCodec(jsonMapper, type));
    }

    /** What the engine is given for one call. */
    private record Call(IdempotencyKey key, RequestFingerprint fingerprint, ClaimOptions claim, JsonResultCodec codec) {
    }
}
