package dev.idempotency.autoconfigure;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.jdbc.ExpiredEntryCleaner;
import dev.idempotency.storage.jdbc.JdbcDialect;
import dev.idempotency.storage.jdbc.JdbcIdempotencyStorage;
import dev.idempotency.storage.jdbc.TableName;

/**
 * The JDBC storage on the application's {@link DataSource}, as Spring Session JDBC does it: the
 * schema script for the database inside the jar, run at start-up according to
 * {@code idempotency.storage.jdbc.initialize-schema}; the storage created after every database
 * initializer (this one, Flyway, Liquibase), so its check of the table sees their work; and a
 * periodic cleanup of expired rows on every instance.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "jdbc")
@ConditionalOnClass({ JdbcClient.class, DataSourceScriptDatabaseInitializer.class })
@Import(DatabaseInitializationDependencyConfigurer.class)
class JdbcStorageConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IdempotencySchemaInitializer idempotencySchemaInitializer(DataSource dataSource, IdempotencyProperties properties) {
        IdempotencyProperties.Jdbc jdbc = properties.getStorage().getJdbc();
        return new IdempotencySchemaInitializer(dataSource, JdbcDialect.of(dataSource), new TableName(jdbc.getTableName()),
                jdbc.getInitializeSchema());
    }

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    @DependsOnDatabaseInitialization
    JdbcIdempotencyStorage idempotencyStorage(DataSource dataSource, IdempotencyProperties properties) {
        return new JdbcIdempotencyStorage(dataSource, new TableName(properties.getStorage().getJdbc().getTableName()),
                properties.getStorage().getTimeout());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnBean(JdbcIdempotencyStorage.class)
    ExpiredEntryCleaner idempotencyExpiredEntryCleaner(JdbcIdempotencyStorage storage, IdempotencyProperties properties) {
        IdempotencyProperties.Jdbc jdbc = properties.getStorage().getJdbc();
        return new ExpiredEntryCleaner(storage, jdbc.getCleanupInterval(), jdbc.getCleanupBatchSize());
    }
}
