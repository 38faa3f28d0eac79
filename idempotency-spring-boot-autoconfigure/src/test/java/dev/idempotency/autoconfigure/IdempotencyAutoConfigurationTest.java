package dev.idempotency.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nats.client.Connection;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.idempotency.aop.IdempotentMethodAdvisor;
import dev.idempotency.engine.ClaimOptions;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentOutcomeUnknownException;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.Takeover;
import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.memory.InMemoryIdempotencyStorage;
import dev.idempotency.web.servlet.IdempotencyFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotencyAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyWebAutoConfiguration.class, IdempotencyTemplateAutoConfiguration.class,
                    IdempotencyAopAutoConfiguration.class));

    private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    IdempotencyWebAutoConfiguration.class, JacksonAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class));

    @Test
    void byDefaultTheKeeperRunsOnTheInMemoryStorage() {
        runner.run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(IdempotencyKeeper.class)
                    .hasSingleBean(IdempotencyStorage.class)
                    .hasSingleBean(InMemoryIdempotencyStorage.class);
            assertThat(context.getBean(IdempotencyKeeper.class).storageName()).isEqualTo("memory");
        });
    }

    @Test
    void whenDisabledNoBeanOfTheStarterIsCreated() {
        runner.withPropertyValues("idempotency.enabled=false").run(context -> {
            assertThat(context).hasNotFailed()
                    .doesNotHaveBean(IdempotencyKeeper.class)
                    .doesNotHaveBean(IdempotencyStorage.class)
                    .doesNotHaveBean(IdempotencyProperties.class)
                    .doesNotHaveBean(IdempotentMethodAdvisor.class);
        });
    }

    @Test
    void aUserDefinedStorageReplacesTheDefault() {
        runner.withUserConfiguration(UserStorageConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(IdempotencyStorage.class);
            assertThat(context.getBean(IdempotencyStorage.class)).isSameAs(context.getBean("userStorage"));
            assertThat(context).hasSingleBean(IdempotencyKeeper.class);
        });
    }

    @Test
    void redisWithoutItsLibraryFailsWithAnAnalysisNamingTheStarter() {
        runner.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
                .withPropertyValues("idempotency.storage.type=redis")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new StorageLibraryMissingFailureAnalyzer()
                            .analyze(context.getStartupFailure());

                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("idempotency.storage.type").contains("redis");
                    assertThat(analysis.getAction()).contains("spring-boot-starter-data-redis");
                });
    }

    @Test
    void natsWithoutItsLibraryFailsWithAnAnalysisNamingJnats() {
        runner.withClassLoader(new FilteredClassLoader(Connection.class))
                .withPropertyValues("idempotency.storage.type=nats")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new StorageLibraryMissingFailureAnalyzer()
                            .analyze(context.getStartupFailure());

                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("idempotency.storage.type").contains("nats");
                    assertThat(analysis.getAction()).contains("io.nats:jnats");
                });
    }

    @Test
    void propertiesBind() {
        runner.withPropertyValues("idempotency.ttl=1h", "idempotency.lease=5s",
                "idempotency.storage.memory.max-entries=7", "idempotency.web.paths=/a/**").run(context -> {
                    IdempotencyProperties properties = context.getBean(IdempotencyProperties.class);

                    assertThat(properties.getTtl()).isEqualTo(Duration.ofHours(1));
                    assertThat(properties.getLease()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(properties.getStorage().getMemory().getMaxEntries()).isEqualTo(7);
                    assertThat(properties.getWeb().getPaths()).containsExactly("/a/**");
                });
    }

    @Test
    void aServletWebContextRegistersTheIdempotencyFilter() {
        webRunner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeansOfType(FilterRegistrationBean.class).values())
                    .extracting(FilterRegistrationBean::getFilter)
                    .hasAtLeastOneElementOfType(IdempotencyFilter.class);
        });
    }

    @Test
    void replayingSetCookieFailsStartUpInAServletWebContext() {
        webRunner.withPropertyValues("idempotency.web.replay-headers=Set-Cookie").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Set-Cookie")
                    .hasMessageContaining("idempotency.web.replay-headers");
        });
    }

    @Test
    void takeoverDefaultIsNoSettingOfItsOwnAndFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("idempotency.takeover=default").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("idempotency.takeover");
        });
    }

    @Test
    void takeoverNeverRefusesAKeyWhoseHolderStoppedAfterItsLease() {
        runner.withPropertyValues("idempotency.takeover=never", "idempotency.lease=100ms").run(context -> {
            IdempotencyKeeper keeper = context.getBean(IdempotencyKeeper.class);
            IdempotencyKey key = new IdempotencyKey("test", "never");
            RequestFingerprint fingerprint = RequestFingerprint.builder().add("payload").build();
            try (IdempotencyKeeper dead = new IdempotencyKeeper(context.getBean(IdempotencyStorage.class),
                    "idempotency.", Duration.ofHours(1), Duration.ofMillis(100))) {
                assertThat(dead.claim(key, fingerprint, ClaimOptions.DEFAULTS.withTakeover(Takeover.NEVER)))
                        .isInstanceOf(OwnedKey.class);
            }
            Thread.sleep(300);

            assertThatThrownBy(() -> keeper.claim(key, fingerprint))
                    .isInstanceOf(IdempotentOutcomeUnknownException.class);
        });
    }

    @Test
    void aDocumentationUrlThatIsNotAbsoluteFailsStartUpNamingTheProperty() {
        webRunner.withPropertyValues("idempotency.web.documentation-url=docs/idempotency").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("idempotency.web.documentation-url")
                    .hasMessageContaining("absolute");
        });
    }

    @Test
    void aNonWebContextHasNoFilterRegistration() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class);
            assertThat(context).doesNotHaveBean("idempotencyFilter");
        });
    }

    @Test
    void theFailureAnalyzersAreRegisteredInSpringFactories() {
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
                .load(FailureAnalyzer.class, SpringFactoriesLoader.FailureHandler.handleMessage((message, ex) -> {
                    // Boot's own analyzers that need constructor arguments are not what this test is about.
                }));

        assertThat(analyzers).hasAtLeastOneElementOfType(StorageLibraryMissingFailureAnalyzer.class)
                .hasAtLeastOneElementOfType(JdbcStorageFailureAnalyzer.class)
                .hasAtLeastOneElementOfType(UnsupportedDatabaseFailureAnalyzer.class);
    }

    @Test
    void everyPropertyHasADescriptionInTheGeneratedMetadata() {
        JsonNode metadata = JsonMapper.builder().build()
                .readTree(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile());
        List<JsonNode> properties = new ArrayList<>();
        for (JsonNode property : metadata.get("properties")) {
            if (property.get("name").asString().startsWith("idempotency.")) {
                properties.add(property);
            }
        }

        assertThat(properties).isNotEmpty().allSatisfy(property -> assertThat(property.path("description").asString(""))
                .as("description of %s", property.get("name").asString())
                .isNotBlank());
    }

    @Configuration(proxyBeanMethods = false)
    static class UserStorageConfiguration {

        @Bean(destroyMethod = "close")
        InMemoryIdempotencyStorage userStorage() {
            return new InMemoryIdempotencyStorage(1, Duration.ofMinutes(1));
        }
    }
}
