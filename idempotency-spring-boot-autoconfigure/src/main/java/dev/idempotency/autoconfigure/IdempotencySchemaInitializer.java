package dev.idempotency.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;

import dev.idempotency.storage.jdbc.JdbcDialect;
import dev.idempotency.storage.jdbc.TableName;

/**
 * Runs the JDBC storage's schema script for the database, with the configured table name, when
 * {@code idempotency.storage.jdbc.initialize-schema} says so. Boot's own initializer, so that beans
 * depending on database initialization wait for it. The script creates the table only when absent.
 */
public class IdempotencySchemaInitializer extends DataSourceScriptDatabaseInitializer {

    private final TableName table;

    /**
     * An initializer of the storage's table.
     *
     * @param dataSource the DataSource the JDBC storage uses
     * @param dialect chooses the schema script for the database
     * @param table the configured table name, written into the script in place of the default
     * @param mode when the script runs: always, only for an embedded database, or never
     */
    public IdempotencySchemaInitializer(DataSource dataSource, JdbcDialect dialect, TableName table,
            IdempotencyProperties.SchemaInitialization mode) {
        super(dataSource, settings(dialect, mode));
        this.table = table;
    }

    private static DatabaseInitializationSettings settings(JdbcDialect dialect,
            IdempotencyProperties.SchemaInitialization mode) {
        DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
        settings.setSchemaLocations(List.of(dialect.schemaLocation()));
        settings.setMode(DatabaseInitializationMode.valueOf(mode.name()));
        settings.setContinueOnError(false);
        return settings;
    }

    @Override
    protected void runScripts(Scripts scripts) {
        List<Resource> named = new ArrayList<>();
        for (Resource script : scripts) {
            try {
                named.add(new ByteArrayResource(table.applyTo(script.getContentAsString(StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8), script.getDescription()));
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Could not read " + script.getDescription(), ex);
            }
        }
        super.runScripts(new Scripts(named).continueOnError(scripts.isContinueOnError())
                .separator(scripts.getSeparator())
                .encoding(StandardCharsets.UTF_8));
    }
}
