/**
 * What idempotency costs, measured against the store's own floor.
 *
 * <p>{@link dev.idempotency.benchmarks.BenchmarkReport} runs every suite and prints one table:
 * the JMH benchmarks of the engine on the memory storage ({@link dev.idempotency.benchmarks.MemoryEngineBenchmark}),
 * on Redis ({@link dev.idempotency.benchmarks.RedisStorageBenchmark}) and on NATS
 * ({@link dev.idempotency.benchmarks.NatsStorageBenchmark}), each beside a baseline that does the
 * least the store needs for the same steps, the round trips each path sends
 * ({@link dev.idempotency.benchmarks.RoundTripCount}), and the sample app over HTTP with
 * idempotency on and off ({@link dev.idempotency.benchmarks.HttpLoadTest}).
 */
package dev.idempotency.benchmarks;
