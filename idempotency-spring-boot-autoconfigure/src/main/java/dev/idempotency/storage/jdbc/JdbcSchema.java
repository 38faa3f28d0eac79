package dev.idempotency.storage.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.idempotency.storage.IdempotencyStorageException;

/**
 * Checks, once at start-up, that the table is the one the schema script creates: its columns with
 * types the statements rely on, {@code storage_key} as its primary key, and what the dialect adds.
 * A table created by hand that silently broke a guarantee (no unique key, a time zone dependent
 * expiry, case-insensitive keys) would not show until two requests met.
 */
final class JdbcSchema {

    private static final String COLUMNS = "storage_key, owner_token, in_progress, committed, entry_value, expires_at";
    private static final Set<Integer> TEXT = Set.of(Types.VARCHAR, Types.NVARCHAR, Types.LONGVARCHAR, Types.LONGNVARCHAR);
    private static final Set<Integer> FLAG = Set.of(Types.BOOLEAN, Types.BIT);
    private static final Set<Integer> BYTES = Set.of(Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB);

    private JdbcSchema() {
    }

    /** @throws JdbcSchemaException naming the schema script when the table is missing or differs */
    static void verify(JdbcOperations jdbc, JdbcDialect dialect, TableName table) {
        List<String> problems = new ArrayList<>();
        try {
            problems.addAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE 1 = 0",
                    (ResultSetExtractor<List<String>>) rows -> columnProblems(rows, dialect)));
        }
        catch (BadSqlGrammarException ex) {
            throw new JdbcSchemaException(table, dialect.schemaLocation(),
                    "is missing, or lacks one of the columns " + COLUMNS, ex);
        }
        try {
            problems.addAll(jdbc.execute((ConnectionCallback<List<String>>) connection ->
                    primaryKeyProblems(connection.getMetaData(), connection.getCatalog(), connection.getSchema(), table)));
            problems.addAll(dialect.schemaProblems(JdbcClient.create(jdbc), table));
        }
        catch (DataAccessException ex) {
            throw new IdempotencyStorageException("Could not check the idempotency table '" + table + "'", ex);
        }
        if (!problems.isEmpty()) {
            throw new JdbcSchemaException(table, dialect.schemaLocation(),
                    "does not match its schema script: " + String.join("; ", problems), null);
        }
    }

    private static List<String> columnProblems(ResultSet rows, JdbcDialect dialect) throws SQLException {
        ResultSetMetaData columns = rows.getMetaData();
        List<String> problems = new ArrayList<>();
        expect(columns, 1, TEXT, "a character type", problems);
        expect(columns, 2, TEXT, "a character type", problems);
        expect(columns, 3, FLAG, "a boolean", problems);
        expect(columns, 4, FLAG, "a boolean", problems);
        expect(columns, 5, BYTES, "a binary type", problems);
        String expiresAt = columns.getColumnTypeName(6).toUpperCase(Locale.ROOT);
        if (!dialect.expiresAtTypes().contains(expiresAt)) {
            problems.add("expires_at is " + expiresAt + " (needs " + String.join(" or ", dialect.expiresAtTypes()) + ")");
        }
        return problems;
    }

    private static void expect(ResultSetMetaData columns, int column, Set<Integer> types, String what,
            List<String> problems) throws SQLException {
        if (!types.contains(columns.getColumnType(column))) {
            problems.add(columns.getColumnName(column).toLowerCase(Locale.ROOT) + " is "
                    + columns.getColumnTypeName(column) + " (needs " + what + ")");
        }
    }

    private static List<String> primaryKeyProblems(DatabaseMetaData metaData, String catalog, String schema,
            TableName table) throws SQLException {
        String name = metaData.storesUpperCaseIdentifiers() ? table.value().toUpperCase(Locale.ROOT)
                : metaData.storesLowerCaseIdentifiers() ? table.value().toLowerCase(Locale.ROOT) : table.value();
        List<String> key = new ArrayList<>();
        try (ResultSet rows = metaData.getPrimaryKeys(catalog, schema, name)) {
            while (rows.next()) {
                key.add(rows.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        if (key.equals(List.of("storage_key"))) {
            return List.of();
        }
        return List.of("its primary key is " + (key.isEmpty() ? "missing" : key)
                + " (needs storage_key alone: a claim relies on the key being unique)");
    }
}
