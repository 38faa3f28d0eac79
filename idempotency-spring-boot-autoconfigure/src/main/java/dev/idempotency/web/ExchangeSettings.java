package dev.idempotency.web;

/**
 * What every exchange the filter starts is held to.
 *
 * @param policy which responses are stored
 * @param replayedHeaders the response headers a replay reproduces
 * @param maxResponseBytes the most of a response held for storage; a longer one streams on, not kept
 */
record ExchangeSettings(ResponseStoragePolicy policy, ReplayedHeaders replayedHeaders, long maxResponseBytes) {
}
