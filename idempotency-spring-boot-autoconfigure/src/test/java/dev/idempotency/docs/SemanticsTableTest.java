package dev.idempotency.docs;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/semantics.md names a test for every row, and every test it names exists. */
class SemanticsTableTest {

    private static final Path TABLE = Path.of("..", "docs", "semantics.md");
    private static final Pattern REFERENCE = Pattern.compile("`(?:([a-z]+\\.[A-Z]\\w+))?#(\\w+)`");

    @Test
    void everyRowNamesATest() throws IOException {
        List<String> rowsWithoutTest = new ArrayList<>();
        for (String row : rows()) {
            if (!row.contains("Test#") && !row.contains("Test`") && !row.contains("see § 4")) {
                rowsWithoutTest.add(row);
            }
        }
        assertThat(rowsWithoutTest).isEmpty();
    }

    @Test
    void everyNamedTestExists() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String row : rows()) {
            String currentClass = null;
            Matcher reference = REFERENCE.matcher(row);
            while (reference.find()) {
                if (reference.group(1) != null) {
                    currentClass = reference.group(1);
                }
                if (currentClass != null && !hasMethod("dev.idempotency." + currentClass, reference.group(2))) {
                    missing.add(currentClass + "#" + reference.group(2));
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    private static List<String> rows() throws IOException {
        return Files.readAllLines(TABLE).stream()
                .filter(line -> line.startsWith("|") && !line.startsWith("|---") && !line.startsWith("| §")
                        && !line.startsWith("| Convention") && !line.startsWith("| Situation"))
                .toList();
    }

    private static boolean hasMethod(String className, String methodName) {
        try {
            for (Class<?> type = Class.forName(className); type != null; type = type.getSuperclass()) {
                if (Arrays.stream(type.getDeclaredMethods()).map(Method::getName).anyMatch(methodName::equals)) {
                    return true;
                }
            }
            return false;
        }
        catch (ClassNotFoundException ex) {
            return false;
        }
    }
}
