package dev.idempotency.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the README tells a new user to write is what the build compiles and runs: every complete
 * Java file it shows is, character for character, a source file of the new application that
 * {@code idempotency-new-application-test} builds and tests, and every dependency on this
 * project's artifacts names one of its modules at the build's version.
 */
class ReadmeExamplesTest {

    private static final Path NEW_APPLICATION_SOURCES = Path.of("..", "idempotency-new-application-test", "src", "it",
            "new-application", "src", "main", "java");
    private static final Pattern JAVA_BLOCK = Pattern.compile("^```java\\n(.*?)^```$",
            Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern COMPLETE_FILE = Pattern.compile(
            "\\Apackage ([\\w.]+);\\n.*?^(?:[\\w ]+ )?(?:class|record|interface|enum) (\\w+)",
            Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern PROJECT_DEPENDENCY = Pattern.compile(
            "<groupId>dev\\.idempotency</groupId>\\s*<artifactId>([\\w-]+)</artifactId>(?:\\s*<version>([^<]+)</version>)?");
    private static final Pattern SAMPLE_JAR = Pattern.compile("idempotency-sample-app-([\\w.-]+)\\.jar");
    private static final Pattern PROJECT_VERSION = Pattern.compile(
            "<artifactId>idempotency-parent</artifactId>\\s*<version>([^<]+)</version>");

    @Test
    void everyCompleteJavaFileOfTheReadmeIsASourceOfTheNewApplication() throws IOException {
        List<String> shown = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(readme());
        while (block.find()) {
            Matcher file = COMPLETE_FILE.matcher(block.group(1));
            if (file.find()) {
                Path source = NEW_APPLICATION_SOURCES.resolve(file.group(1).replace('.', '/'))
                        .resolve(file.group(2) + ".java");
                assertThat(source).exists();
                assertThat(Files.readString(source)).as(source.toString()).isEqualTo(block.group(1));
                shown.add(file.group(2));
            }
        }
        assertThat(shown).contains("OrderController", "PaymentListener");
    }

    @Test
    void everyDependencyOnThisProjectNamesAModuleAtTheBuildsVersion() throws IOException {
        String version = projectVersion();
        List<String> artifacts = new ArrayList<>();
        Matcher dependency = PROJECT_DEPENDENCY.matcher(readme());
        while (dependency.find()) {
            artifacts.add(dependency.group(1));
            assertThat(Path.of("..", dependency.group(1), "pom.xml")).exists();
            if (dependency.group(2) != null) {
                assertThat(dependency.group(2)).as(dependency.group(1)).isEqualTo(version);
            }
        }
        assertThat(artifacts).contains("idempotency-bom", "idempotency-spring-boot-starter");
        Matcher jar = SAMPLE_JAR.matcher(readme());
        while (jar.find()) {
            assertThat(jar.group(1)).isEqualTo(version);
        }
    }

    private static String projectVersion() throws IOException {
        Matcher version = PROJECT_VERSION.matcher(Files.readString(Path.of("..", "pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1);
    }

    private static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"));
    }
}
