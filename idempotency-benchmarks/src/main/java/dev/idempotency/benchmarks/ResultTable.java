package dev.idempotency.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The report's one table: a row per measured path, in Markdown, its columns padded to line up. */
final class ResultTable {

    private static final List<String> HEADER = List.of("Benchmark", "Path", "Threads", "Library",
            "Baseline (same run)", "Ratio", "Target", "Verdict");

    private final List<List<String>> rows = new ArrayList<>();

    void add(String benchmark, String path, String threads, String library, String baseline, String ratio,
            String target, String verdict) {
        rows.add(List.of(benchmark, path, threads, library, baseline, ratio, target, verdict));
    }

    void print(PrintStream out) {
        int[] widths = new int[HEADER.size()];
        for (List<String> row : allRows()) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        print(out, HEADER, widths);
        StringBuilder rule = new StringBuilder("|");
        for (int width : widths) {
            rule.append("-".repeat(width + 2)).append('|');
        }
        out.println(rule);
        for (List<String> row : rows) {
            print(out, row, widths);
        }
    }

    private List<List<String>> allRows() {
        List<List<String>> all = new ArrayList<>(rows);
        all.add(HEADER);
        return all;
    }

    private static void print(PrintStream out, List<String> row, int[] widths) {
        StringBuilder line = new StringBuilder("|");
        for (int i = 0; i < row.size(); i++) {
            line.append(' ').append(row.get(i)).append(" ".repeat(widths[i] - row.get(i).length())).append(" |");
        }
        out.println(line);
    }
}
