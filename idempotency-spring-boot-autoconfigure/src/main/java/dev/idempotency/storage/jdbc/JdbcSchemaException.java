package dev.idempotency.storage.jdbc;

/** The JDBC storage's table is missing, or its columns or key are not those its schema script creates. */
public class JdbcSchemaException extends IllegalStateException {

    private final TableName table;
    private final String script;

    public JdbcSchemaException(TableName table, String script, String problem, Throwable cause) {
        super("The idempotency table '" + table + "' " + problem + ". Create it with the script " + script
                + " (inside the idempotency starter's jar"
                + (table.equals(TableName.DEFAULT) ? "" : ", with '" + TableName.DEFAULT + "' replaced by '" + table + "'")
                + ").", cause);
        this.table = table;
        this.script = script;
    }

    /** The table the storage was given. */
    public TableName getTable() {
        return table;
    }

    /** Where the schema script for the database is, for example {@code classpath:dev/idempotency/storage/jdbc/schema-postgresql.sql}. */
    public String getScript() {
        return script;
    }
}
