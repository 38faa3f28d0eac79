package dev.idempotency.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration table covers every {@code idempotency.*} property the metadata declares. */
class ReadmeConfigurationTableTest {

    @Test
    void everyPropertyHasARowInTheReadme() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> missing = new ArrayList<>();
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            for (JsonNode property : JsonMapper.builder().build().readTree(metadata).get("properties")) {
                String name = property.get("name").asString();
                if (!readme.contains("| `" + name + "` |")) {
                    missing.add(name);
                }
            }
        }
        assertThat(missing).isEmpty();
    }
}
