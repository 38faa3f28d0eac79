package dev.idempotency.autoconfigure;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;

import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Keeps a Redis Cluster connection following failovers. Lettuce learns the cluster's topology
 * once, at start-up, unless told to refresh it: after a master dies and its replica is promoted,
 * a client that does not refresh keeps sending that master's slots to the dead node, and every
 * claim on them fails until the application restarts. Boot's cluster configuration turns on
 * neither adaptive nor (by default) periodic refresh.
 *
 * <p>As a {@link LettuceClientOptionsBuilderCustomizer}, it adds every adaptive refresh trigger
 * (a {@code MOVED} or {@code ASK} redirect, persistent reconnects, an uncovered slot, an unknown
 * node) to the cluster options Boot builds, keeping {@code
 * spring.data.redis.lettuce.cluster.refresh.period} and {@code .dynamic-refresh-sources}. It runs
 * before the application's own customizers, so one that sets topology refresh options wins.
 * {@link #verify} then refuses, at start-up, a cluster connection factory that refreshes neither
 * adaptively nor periodically, whoever built it.
 */
final class RedisClusterTopologyRefresh implements LettuceClientOptionsBuilderCustomizer {

    private final DataRedisProperties.Lettuce.Cluster.Refresh refresh;

    RedisClusterTopologyRefresh(DataRedisProperties properties) {
        this.refresh = properties.getLettuce().getCluster().getRefresh();
    }

    @Override
    public void customize(ClientOptions.Builder builder) {
        if (builder instanceof ClusterClientOptions.Builder cluster) {
            ClusterTopologyRefreshOptions.Builder options = ClusterTopologyRefreshOptions.builder()
                    .dynamicRefreshSources(refresh.isDynamicRefreshSources())
                    .enableAllAdaptiveRefreshTriggers()
                    .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1));
            if (refresh.getPeriod() != null) {
                options.enablePeriodicRefresh(refresh.getPeriod());
            }
            cluster.topologyRefreshOptions(options.build());
        }
    }

    /**
     * @throws IllegalStateException when {@code connectionFactory} is a Lettuce cluster connection
     *     whose client never refreshes its topology
     */
    static void verify(RedisConnectionFactory connectionFactory) {
        if (!(connectionFactory instanceof LettuceConnectionFactory lettuce) || !lettuce.isClusterAware()) {
            return;
        }
        ClientOptions options = lettuce.getClientConfiguration().getClientOptions().orElse(null);
        ClusterTopologyRefreshOptions refresh = options instanceof ClusterClientOptions cluster
                ? cluster.getTopologyRefreshOptions() : null;
        if (refresh == null || (refresh.getAdaptiveRefreshTriggers().isEmpty() && !refresh.isPeriodicRefreshEnabled())) {
            throw new IllegalStateException("The Redis Cluster connection never refreshes its topology, so after a "
                    + "failover every idempotent request on the failed master's slots would get 503 until the "
                    + "application restarts. Give the LettuceConnectionFactory ClusterClientOptions whose "
                    + "ClusterTopologyRefreshOptions enable adaptive refresh triggers "
                    + "(enableAllAdaptiveRefreshTriggers()) or a periodic refresh; with Boot's own connection factory "
                    + "the starter does this unless a LettuceClientOptionsBuilderCustomizer of the application "
                    + "turns it off.");
        }
    }
}
