package dev.idempotency.storage.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.transaction.support.TransactionOperations;

import dev.idempotency.storage.IdempotencyStorageException;

/**
 * What is particular to one database: its clock, its claim statement, its batched delete of
 * expired rows, and its schema script. Chosen from a connection's metadata by {@link #of}; the
 * statements every database shares live in {@link JdbcStatements}.
 *
 * <p>Every statement judges expiry by the database's clock, never the application's, so that
 * instances with skewed clocks agree on when a lease ended.
 */
public abstract sealed class JdbcDialect permits PostgreSqlDialect, MariaDbDialect, H2Dialect {

    /** The databases this storage supports, for messages. */
    public static final String SUPPORTED = "PostgreSQL 9.5 or later, MariaDB 10.6 or later, and H2 2.x";

    /**
     * The dialect of the database {@code dataSource} connects to, read from one connection's
     * metadata.
     *
     * @param dataSource the storage's DataSource
     * @return the dialect of PostgreSQL, MariaDB or H2
     * @throws UnsupportedDatabaseException when it is none of {@link #SUPPORTED}
     * @throws IdempotencyStorageException when no connection could be had
     */
    public static JdbcDialect of(DataSource dataSource) {
        try {
            return JdbcUtils.extractDatabaseMetaData(dataSource, JdbcDialect::of);
        }
        catch (MetaDataAccessException ex) {
            if (ex.getCause() instanceof UnsupportedDatabaseException unsupported) {
                throw unsupported;
            }
            throw new IdempotencyStorageException("Could not read which database the idempotency storage's "
                    + "DataSource connects to", ex);
        }
    }

    private static JdbcDialect of(DatabaseMetaData metaData) throws SQLException {
        String product = metaData.getDatabaseProductName();
        int major = metaData.getDatabaseMajorVersion();
        int minor = metaData.getDatabaseMinorVersion();
        String version = metaData.getDatabaseProductVersion();
        if ("PostgreSQL".equals(product) && (major > 9 || major == 9 && minor >= 5)) {
            return new PostgreSqlDialect();
        }
        if ("MariaDB".equals(product) && (major > 10 || major == 10 && minor >= 6)) {
            return new MariaDbDialect();
        }
        if ("H2".equals(product) && major >= 2) {
            return new H2Dialect();
        }
        throw new UnsupportedDatabaseException(product, version);
    }

    /** {@return the database's name as the schema script's file name has it: {@code postgresql}, {@code mariadb} or {@code h2}} */
    public abstract String name();

    /** {@return where the schema script of this database is, inside this library's jar, as a {@code classpath:} location} */
    public final String schemaLocation() {
        return "classpath:dev/idempotency/storage/jdbc/schema-" + name() + ".sql";
    }

    /**
     * Whether a statement in an application transaction at {@code isolation} (a
     * {@link java.sql.Connection} constant; {@code null} for the database's default) sees every
     * row committed before it, as {@link JdbcIdempotencyStorage#confirmBeforeCommit} needs: a
     * claim made after the transaction began, and its latest renewal. At READ COMMITTED every
     * database here does.
     */
    boolean seesLatestRowsAt(Integer isolation) {
        return isolation == null || isolation <= Connection.TRANSACTION_READ_COMMITTED;
    }

    /** An SQL expression for the database's current time. */
    abstract String now();

    /** An SQL expression for the database's current time plus the named parameter, in microseconds. */
    abstract String nowPlusMicros(String parameter);

    /**
     * The claim: one statement with the named parameters {@code key}, {@code owner}, {@code value}
     * and {@code lease} (microseconds). Inserts the in-progress entry when the key is absent, or
     * replaces an expired one, and answers the entry after the statement as one row of
     * {@code owner_token} and {@code entry_value}: the claim won when the owner is the one it
     * wrote. No row means the statement raced a concurrent claim's commit and should run again.
     */
    abstract String claim(TableName table);

    /**
     * Deletes at most {@code limit} expired rows without waiting for rows that another cleaner or
     * a claim holds locked, and answers how many it deleted.
     */
    abstract int deleteExpired(JdbcTemplate jdbc, TransactionOperations transactions, TableName table, int limit);

    /** Reads an {@code expires_at} column as an instant. */
    abstract Instant expiresAt(ResultSet row, int column) throws SQLException;

    /** The type names (as the driver reports them, in upper case) an {@code expires_at} column may have. */
    abstract Set<String> expiresAtTypes();

    /** What is wrong with the table beyond its columns' types, in terms only this database has; empty when nothing. */
    List<String> schemaProblems(JdbcClient client, TableName table) {
        return List.of();
    }
}
