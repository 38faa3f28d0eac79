package dev.idempotency.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's configuration table and the configuration metadata name the same properties: every
 * property the metadata declares has a row, and every row is in the metadata, so an IDE completes
 * and documents each property the starter reads.
 */
class ReadmeConfigurationTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| `((?:idempotency|management)\\.[a-z0-9.-]+)` \\|",
            Pattern.MULTILINE);

    @Test
    void everyPropertyHasARowInTheReadme() throws IOException {
        String readme = readme();
        List<String> missing = new ArrayList<>();
        for (JsonNode property : metadata()) {
            String name = property.get("name").asString();
            if (!readme.contains("| `" + name + "` |")) {
                missing.add(name);
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void everyRowOfTheReadmeIsInTheMetadata() throws IOException {
        List<String> declared = new ArrayList<>();
        metadata().forEach(property -> declared.add(property.get("name").asString()));
        List<String> rows = new ArrayList<>();
        Matcher row = ROW.matcher(readme());
        while (row.find()) {
            rows.add(row.group(1));
        }

        assertThat(rows).contains("idempotency.ttl", "management.health.idempotency.enabled");
        assertThat(declared).containsAll(rows);
    }

    @Test
    void theHealthContributorsSwitchIsDocumentedWithItsDefault() throws IOException {
        JsonNode health = null;
        for (JsonNode property : metadata()) {
            if (property.get("name").asString().equals("management.health.idempotency.enabled")) {
                health = property;
            }
        }

        assertThat(health).isNotNull();
        assertThat(health.get("type").asString()).isEqualTo("java.lang.Boolean");
        assertThat(health.get("defaultValue").asBoolean()).isTrue();
        assertThat(health.get("description").asString()).isNotBlank();
    }

    private static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"));
    }

    private JsonNode metadata() throws IOException {
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            return JsonMapper.builder().build().readTree(metadata).get("properties");
        }
    }
}
