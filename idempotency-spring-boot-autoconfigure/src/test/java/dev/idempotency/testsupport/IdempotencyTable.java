package dev.idempotency.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import dev.idempotency.storage.jdbc.JdbcDialect;
import dev.idempotency.storage.jdbc.TableName;

/**
 * A JDBC storage table of a test's own, made by the shipped schema script under a name no other
 * run uses (the database servers are shared), and dropped by the test.
 */
public record IdempotencyTable(TableName name) {

    public static IdempotencyTable create(DataSource dataSource) {
        TableName name = new TableName("it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        String location = JdbcDialect.of(dataSource).schemaLocation().substring("classpath:".length());
        try {
            String script = new ClassPathResource(location).getContentAsString(StandardCharsets.UTF_8);
            new ResourceDatabasePopulator(new ByteArrayResource(name.applyTo(script).getBytes(StandardCharsets.UTF_8)))
                    .execute(dataSource);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return new IdempotencyTable(name);
    }

    public void drop(DataSource dataSource) {
        new JdbcTemplate(dataSource).execute("DROP TABLE " + name);
    }
}
