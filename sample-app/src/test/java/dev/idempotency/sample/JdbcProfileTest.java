package dev.idempotency.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.storage.IdempotencyStorage;

import static dev.idempotency.sample.SampleClient.header;
import static dev.idempotency.sample.SampleClient.json;
import static dev.idempotency.sample.SampleClient.order;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's {@code jdbc} profile: orders in PostgreSQL, created in a transaction, and keys in
 * the same database, shared by every instance; with the {@code secure} profile too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcProfileTest {

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String keyPrefix = "it-jdbc-" + run + ".";
    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    private SampleDatabase database;

    @BeforeAll
    void createTables() {
        database = new SampleDatabase();
    }

    @AfterAll
    void stopInstancesAndDeleteRows() {
        instances.forEach(ConfigurableApplicationContext::close);
        if (database != null) {
            database.deleteRun(run, keyPrefix);
            database.close();
        }
    }

    @Test
    void twoInstancesShareTheOrdersAndTheKeys() {
        ConfigurableApplicationContext first = start("jdbc");
        ConfigurableApplicationContext second = start("jdbc");
        assertThat(first.getBean(IdempotencyStorage.class).name()).isEqualTo("jdbc");
        String key = UUID.randomUUID().toString();
        String item = "shared-" + run;

        HttpResponse<byte[]> created = client(first).post("/orders", key, order(item, 1));
        HttpResponse<byte[]> retryOnTheOther = client(second).post("/orders", key, order(item, 1));

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(retryOnTheOther.body()).isEqualTo(created.body());
        assertThat(header(retryOnTheOther, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(database.orders(item)).isOne();
        String id = json(created).get("id").asString();
        assertThat(ids(json(client(second).get("/orders")))).as("the other instance lists it").contains(id);
        assertThat(json(client(second).get("/orders/" + id)).get("item").asString()).isEqualTo(item);
    }

    @Test
    void withTheSecureProfileEachUsersKeysAreTheirOwn() throws Exception {
        ConfigurableApplicationContext secure = start("jdbc", "secure");
        int port = ((WebServerApplicationContext) secure).getWebServer().getPort();
        String key = UUID.randomUUID().toString();
        String item = "secure-" + run;

        HttpResponse<String> anonymous = post(port, null, key, item);
        HttpResponse<String> alice = post(port, "alice:alice-pass", key, item);
        HttpResponse<String> bob = post(port, "bob:bob-pass", key, item);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(alice.statusCode()).isEqualTo(201);
        assertThat(bob.statusCode()).isEqualTo(201);
        assertThat(bob.body()).isNotEqualTo(alice.body());
        assertThat(database.orders(item)).isEqualTo(2);
    }

    private ConfigurableApplicationContext start(String... profiles) {
        List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--idempotency.key-prefix=" + keyPrefix));
        arguments.addAll(List.of(database.arguments()));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class).profiles(profiles)
                .run(arguments.toArray(String[]::new));
        instances.add(context);
        return context;
    }

    private static SampleClient client(ConfigurableApplicationContext context) {
        return new SampleClient(((WebServerApplicationContext) context).getWebServer().getPort());
    }

    private static List<String> ids(JsonNode orders) {
        List<String> ids = new ArrayList<>();
        orders.forEach(order -> ids.add(order.get("id").asString()));
        return ids;
    }

    private static HttpResponse<String> post(int port, String credentials, String key, String item) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(order(item, 1)));
        if (credentials != null) {
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
