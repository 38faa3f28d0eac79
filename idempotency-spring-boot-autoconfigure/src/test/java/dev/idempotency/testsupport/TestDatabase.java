package dev.idempotency.testsupport;

import java.util.UUID;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * A real database server for the JDBC storage's tests, found like every {@link TestServer}:
 * PostgreSQL 15 ({@code IDEMPOTENCY_TEST_POSTGRES_URL}, for example {@code postgresql://host:5432},
 * else 127.0.0.1:5432; user {@code postgres} without password) or MariaDB 10.11
 * ({@code IDEMPOTENCY_TEST_MARIADB_URL}, else 127.0.0.1:3306; user {@code root} without password),
 * each with a database named {@code test}.
 *
 * @param jdbcUrl the URL of the {@code test} database
 * @param username the user
 */
public record TestDatabase(String jdbcUrl, String username) {

    /** The PostgreSQL server. */
    public static TestDatabase postgresql() {
        TestServer server = TestServer.resolve("PostgreSQL", "IDEMPOTENCY_TEST_POSTGRES_URL", 5432,
                () -> new GenericContainer<>("postgres:15-alpine")
                        .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                        .withEnv("POSTGRES_DB", "test")
                        .withExposedPorts(5432)
                        .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 2)));
        return new TestDatabase("jdbc:postgresql://" + server.host() + ":" + server.port() + "/test", "postgres");
    }

    /** The MariaDB server. */
    public static TestDatabase mariadb() {
        TestServer server = TestServer.resolve("MariaDB", "IDEMPOTENCY_TEST_MARIADB_URL", 3306,
                () -> new GenericContainer<>("mariadb:10.11")
                        .withEnv("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1")
                        .withEnv("MARIADB_DATABASE", "test")
                        .withExposedPorts(3306)
                        .waitingFor(Wait.forLogMessage(".*ready for connections.*\\n", 2)));
        return new TestDatabase("jdbc:mariadb://" + server.host() + ":" + server.port() + "/test", "root");
    }

    /** A small pool of its own (the servers are shared with other test runs), closed by the caller. */
    public HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(username);
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setPoolName("test-" + UUID.randomUUID().toString().substring(0, 8));
        return new HikariDataSource(config);
    }
}
