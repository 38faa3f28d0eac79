package dev.idempotency.benchmarks;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL schema of one HTTP run's own, dropped with all it holds when the run ends: the JDBC
 * apps keep their orders, keys and the floor's table there (their {@code currentSchema}), so that
 * the hundreds of thousands of rows a run writes never reach the tables that the tests on the same
 * database use.
 */
record BenchmarkSchema(URI database, String name) implements AutoCloseable {

    /** Creates {@code name} in {@code database} ({@code postgresql://host:port/database}). */
    static BenchmarkSchema create(URI database, String name) throws SQLException {
        BenchmarkSchema schema = new BenchmarkSchema(database, name);
        schema.execute("CREATE SCHEMA " + name);
        return schema;
    }

    /** The JDBC URL of the database with this schema first on the search path. */
    String jdbcUrl() {
        return databaseUrl() + "?currentSchema=" + name;
    }

    private String databaseUrl() {
        return "jdbc:postgresql://" + database.getHost() + ":" + database.getPort() + database.getPath();
    }

    @Override
    public void close() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(databaseUrl(), StoreAddresses.POSTGRES_USER, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
