package dev.idempotency.docs;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/semantics.md names a test for every row (or points at a section of the table that does),
 * and every test it names exists, in this module or in the sample app.
 */
class SemanticsTableTest {

    private static final Path TABLE = Path.of("..", "docs", "semantics.md");
    private static final Path SAMPLE_APP_TESTS = Path.of("..", "sample-app", "src", "test", "java", "dev", "idempotency",
            "sample");
    /** {@code `web.Class#method`}, or {@code `#method`} of the class named last in the row. */
    private static final Pattern REFERENCE = Pattern.compile("`(?:([a-z]+\\.[A-Z]\\w+))?#(\\w+)`");
    /** {@code `sample-app: Class#method`} or {@code `sample-app: Class`}. */
    private static final Pattern SAMPLE_APP_REFERENCE = Pattern.compile("`sample-app: ([A-Z]\\w+)(?:#(\\w+))?`");
    private static final Pattern CROSS_REFERENCE = Pattern.compile("see § ([0-9.]+)");

    @Test
    void everyRowNamesATest() throws IOException {
        List<String> rows = rows();
        Set<String> sections = sections(rows);
        assertThat(rows).filteredOn(row -> !namesATest(row, sections)).isEmpty();
    }

    @Test
    void aRowThatNamesNoTestIsCaught() throws IOException {
        Set<String> sections = sections(rows());

        assertThat(namesATest("| 2.6 | A rule | What it does | — | none yet |", sections)).isFalse();
        assertThat(namesATest("| 2.6 | A rule | What it does | — | `#aTestOfNoClass` |", sections)).isFalse();
        assertThat(namesATest("| A convention | What it does | — | see § 9.9 |", sections)).isFalse();
        assertThat(namesATest("| 2.6 | A rule | What it does | — | `web.IdempotencyWebTest#aTest` |", sections)).isTrue();
        assertThat(namesATest("| A convention | What it does | — | see § 5 |", sections)).isTrue();
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
            Matcher sampleApp = SAMPLE_APP_REFERENCE.matcher(row);
            while (sampleApp.find()) {
                if (!sampleAppHas(sampleApp.group(1), sampleApp.group(2))) {
                    missing.add("sample-app: " + sampleApp.group(1) + (sampleApp.group(2) == null ? "" : "#" + sampleApp.group(2)));
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    /**
     * Whether {@code row} names a test of this module with its class, one of the sample app, or
     * points at a section of the table.
     */
    private static boolean namesATest(String row, Set<String> sections) {
        Matcher reference = REFERENCE.matcher(row);
        while (reference.find()) {
            if (reference.group(1) != null) {
                return true;
            }
        }
        if (SAMPLE_APP_REFERENCE.matcher(row).find()) {
            return true;
        }
        Matcher crossReference = CROSS_REFERENCE.matcher(row);
        return crossReference.find() && sections.contains(crossReference.group(1));
    }

    /** The draft's sections the table has rows for. */
    private static Set<String> sections(List<String> rows) {
        return rows.stream().map(row -> row.split("\\|")[1].trim()).filter(cell -> cell.matches("[0-9.]+"))
                .collect(Collectors.toSet());
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

    private static boolean sampleAppHas(String className, String methodName) throws IOException {
        Path source = SAMPLE_APP_TESTS.resolve(className + ".java");
        return Files.exists(source) && (methodName == null || Files.readString(source).contains(" " + methodName + "("));
    }
}
