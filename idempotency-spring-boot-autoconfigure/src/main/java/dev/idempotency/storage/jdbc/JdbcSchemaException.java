package dev.idempotency.storage.jdbc;

/** The JDBC storage's table is missing, or its columns or key are not those its schema script creates. */
public class JdbcSchemaException extends IllegalStateException {

    /** The table the storage was given. */
    private final TableName table;
    /** Where the schema script for the database is. */
    private final String script;

    /**
     * A table that the storage cannot use; the message names the table, the problem and the script
     * that creates the table.
     *
     * @param table the table the storage was given
     * @param script where the schema script for the database is
     * @param problem what is wrong, completing "The idempotency table 'x' ...", for example "is missing"
     * @param cause the database's error, or {@code null} when the table exists but differs
     */
    public JdbcSchemaException(TableName table, String script, String problem, Throwable cause) {
        super("The idempotency table '" + table + "' " + problem + ". Create it with the script " + script
                + " (inside the idempotency starter's jar"
                + (table.equals(TableName.DEFAULT) ? "" : ", with '" + TableName.DEFAULT + "' replaced by '" + table + "'")
                + ").", cause);
        this.table = table;
        this.script = script;
    }

    /** {@return the table the storage was given} */
    public TableName getTable() {
        return table;
    }

    /** {@return where the schema script for the database is, for example {@code classpath:dev/idempotency/storage/jdbc/schema-postgresql.sql}} */
    public String getScript() {
        return script;
    }
}
