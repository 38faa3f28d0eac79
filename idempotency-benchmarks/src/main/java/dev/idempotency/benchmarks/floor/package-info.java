/**
 * The HTTP floor: a plain servlet filter that makes the sample app idempotent with the fewest
 * store commands a first request and a replay need, on the client the library uses, and nothing
 * of the library. The HTTP benchmark runs the app with it ({@code --benchmark.floor=memory},
 * {@code redis} or {@code nats}, idempotency off) next to the app with idempotency on, so that
 * what the library costs above the store itself is measured over HTTP.
 */
package dev.idempotency.benchmarks.floor;
