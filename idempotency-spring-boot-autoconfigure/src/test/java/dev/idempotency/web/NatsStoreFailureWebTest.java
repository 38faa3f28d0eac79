package dev.idempotency.web;

import java.time.Duration;
import java.util.Map;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.idempotency.testsupport.StoreProcess;

/**
 * Store failures against a {@code nats-server -js} this test starts, kills, freezes and restarts;
 * restarted on the same storage directory, so the bucket survives as it would in production.
 *
 * <p>The application brings its own NATS connection, which the storage then uses, pinging the
 * server every second. With jnats' default of one ping every two minutes, a connection that a
 * server restart leaves "connected" but deaf (seen with jnats 2.25.1 in about one restart in ten)
 * goes unnoticed for minutes, and every keyed request gets 503 meanwhile.
 */
class NatsStoreFailureWebTest extends StoreFailureWebTest {

    @Override
    protected StoreProcess startStore() throws Exception {
        return StoreProcess.natsJetStream();
    }

    @Override
    protected Map<String, Object> storageProperties(StoreProcess nats) {
        return Map.of("idempotency.storage.type", "nats", "idempotency.storage.nats.servers", nats.url("nats"));
    }

    @Override
    protected Class<?>[] extraSources() {
        return new Class<?>[] { ConnectionPingingEverySecond.class };
    }

    @Override
    protected String storageDiagnostics() {
        Connection connection = application.getBean(Connection.class);
        return "; the application's NATS connection is " + connection.getStatus() + super.storageDiagnostics();
    }

    /** Like the connection the starter builds, but pinging every second so a deaf one is replaced within seconds. */
    @Configuration(proxyBeanMethods = false)
    static class ConnectionPingingEverySecond {

        @Bean(destroyMethod = "close")
        Connection natsConnection(Environment environment) throws Exception {
            return Nats.connect(new Options.Builder()
                    .server(environment.getRequiredProperty("idempotency.storage.nats.servers"))
                    .connectionTimeout(STORAGE_TIMEOUT)
                    .maxReconnects(-1)
                    .pingInterval(Duration.ofSeconds(1))
                    .build());
        }
    }
}
