package dev.idempotency.benchmarks.floor;

import java.io.IOException;
import java.time.Duration;

import io.nats.client.Nats;
import io.nats.client.Options;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The floor filter in the sample app, on {@code POST /orders}, when {@code benchmark.floor} names
 * a store: {@code memory}, {@code redis} (the app's Redis connection factory, from its
 * {@code redis} profile), {@code nats} (a connection with the options the library's own
 * connection has, to {@code idempotency.storage.nats.servers}) or {@code jdbc} (the app's
 * {@code DataSource}, from its {@code jdbc} profile). Registered where the library's
 * filter is ({@code idempotency.web.filter-order} 0: after Spring Security's).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("benchmark.floor")
public class FloorConfiguration {

    /** A name part of this run's own, for the floor's Redis keys, NATS bucket and table. */
    private static final String RUN = Long.toString(System.nanoTime() & Long.MAX_VALUE, 36);

    @Bean(destroyMethod = "close")
    FloorStore floorStore(Environment environment, ObjectProvider<RedisConnectionFactory> redis,
            ObjectProvider<DataSource> dataSource) throws IOException, InterruptedException {
        String store = environment.getRequiredProperty("benchmark.floor");
        return switch (store) {
            case "memory" -> new MemoryFloorStore();
            case "redis" -> new RedisFloorStore(redis.getObject(), "idempotency-floor." + RUN + ".");
            case "nats" -> new NatsFloorStore(Nats.connect(natsOptions(environment)), "idempotency-floor-" + RUN);
            case "jdbc" -> new JdbcFloorStore(dataSource.getObject(), "idempotency_floor_" + RUN);
            default -> throw new IllegalArgumentException("benchmark.floor is memory, redis, nats or jdbc, not " + store);
        };
    }

    @Bean
    FilterRegistrationBean<StoreFloorFilter> storeFloorFilter(FloorStore store) {
        FilterRegistrationBean<StoreFloorFilter> registration = new FilterRegistrationBean<>(new StoreFloorFilter(store));
        registration.addUrlPatterns("/orders");
        registration.setOrder(0);
        return registration;
    }

    /** As {@code NatsStorageConfiguration} builds the library's own connection, with its defaults. */
    private static Options natsOptions(Environment environment) {
        Duration timeout = environment.getProperty("idempotency.storage.timeout", Duration.class, Duration.ofSeconds(2));
        return new Options.Builder()
                .servers(environment.getProperty("idempotency.storage.nats.servers", String[].class,
                        new String[] { "nats://127.0.0.1:4222" }))
                .connectionName("idempotency-floor")
                .connectionTimeout(timeout)
                .pingInterval(timeout)
                .maxReconnects(-1)
                .build();
    }
}
