package dev.idempotency.sample;

import java.net.http.HttpResponse;
import java.util.UUID;

import io.nats.client.Connection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.containers.GenericContainer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.testsupport.TestServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's redis and nats profiles start on their storage and replay through it, on Spring MVC
 * and combined with the {@code webflux} profile on WebFlux.
 */
class SharedStorageProfilesTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "servlet", "webflux" })
    void theRedisProfileStoresInRedis(String stack) {
        TestServer redis = TestServer.resolve("Redis", "IDEMPOTENCY_TEST_REDIS_URL", 6379,
                () -> new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
        try (ConfigurableApplicationContext context = start(stack, "redis", "spring.data.redis.host=" + redis.host(),
                "spring.data.redis.port=" + redis.port(), "idempotency.key-prefix=it-sample-" + RUN + "-" + stack + ".")) {
            assertThat(context.getBean(IdempotencyStorage.class).name()).isEqualTo("redis");
            assertReplays(context, stack);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "servlet", "webflux" })
    void theNatsProfileStoresInNats(String stack) throws Exception {
        TestServer nats = TestServer.resolve("NATS", "IDEMPOTENCY_TEST_NATS_URL", 4222,
                () -> new GenericContainer<>("nats:2.10-alpine").withCommand("-js").withExposedPorts(4222));
        String bucket = "it-sample-" + RUN + "-" + stack;
        try (ConfigurableApplicationContext context = start(stack, "nats",
                "idempotency.storage.nats.servers=" + nats.url("nats"), "idempotency.storage.nats.bucket=" + bucket)) {
            try {
                assertThat(context.getBean(IdempotencyStorage.class).name()).isEqualTo("nats");
                assertReplays(context, stack);
            }
            finally {
                context.getBean(Connection.class).keyValueManagement().delete(bucket);
            }
        }
    }

    private static ConfigurableApplicationContext start(String stack, String profile, String... properties) {
        String[] arguments = new String[properties.length + 1];
        arguments[0] = "--server.port=0";
        for (int i = 0; i < properties.length; i++) {
            arguments[i + 1] = "--" + properties[i];
        }
        SpringApplicationBuilder application = new SpringApplicationBuilder(SampleApplication.class);
        // Command-line arguments, so they win over the profile's own application-*.yml.
        return ("webflux".equals(stack) ? application.profiles("webflux", profile) : application.profiles(profile))
                .run(arguments);
    }

    private static void assertReplays(ConfigurableApplicationContext context, String stack) {
        WebServerApplicationContext web = (WebServerApplicationContext) context;
        assertThat(web.getWebServer().getClass().getSimpleName())
                .isEqualTo("webflux".equals(stack) ? "NettyWebServer" : "TomcatWebServer");
        SampleClient client = new SampleClient(web.getWebServer().getPort());
        String key = UUID.randomUUID().toString();
        HttpResponse<byte[]> first = client.post("/orders", key, SampleClient.order("book", 1));
        HttpResponse<byte[]> retry = client.post("/orders", key, SampleClient.order("book", 1));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(SampleClient.header(retry, "Idempotent-Replayed")).isEqualTo("true");
    }
}
