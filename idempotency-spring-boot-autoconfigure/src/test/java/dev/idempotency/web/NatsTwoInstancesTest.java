package dev.idempotency.web;

import java.util.Map;
import java.util.UUID;

import io.nats.client.Connection;
import org.testcontainers.containers.GenericContainer;

import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.testsupport.TestServer;

/** Two instances sharing one real nats-server with JetStream, each with its own connection. */
class NatsTwoInstancesTest extends TwoInstancesSharingOneStoreTest {

    private final String bucket = "it-two-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    protected Map<String, Object> storeProperties() {
        TestServer nats = TestServer.resolve("NATS", "IDEMPOTENCY_TEST_NATS_URL", 4222,
                () -> new GenericContainer<>("nats:2.10-alpine").withCommand("-js").withExposedPorts(4222));
        return Map.of("idempotency.storage.type", "nats", "idempotency.storage.nats.servers", nats.url("nats"),
                "idempotency.storage.nats.bucket", bucket);
    }

    @Override
    protected void cleanUp(ConfigurableApplicationContext context) throws Exception {
        context.getBean(Connection.class).keyValueManagement().delete(bucket);
    }
}
