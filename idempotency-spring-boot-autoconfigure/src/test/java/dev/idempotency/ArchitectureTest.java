package dev.idempotency;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Dependencies point down only: storage, then engine, then web (the rules every web stack shares,
 * under their adapters {@code web.servlet} and {@code web.reactive}), aop and the transaction
 * adapter, then autoconfigure on top.
 */
@AnalyzeClasses(packages = "dev.idempotency", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule storageAndEngineKnowNothingOfServletsAopBootOrTheLayersAbove = noClasses()
            .that().resideInAnyPackage("dev.idempotency.storage..", "dev.idempotency.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.aspectj..",
                    "org.springframework.boot..", "org.springframework.web..", "dev.idempotency.web..",
                    "dev.idempotency.aop..", "dev.idempotency.transaction..", "dev.idempotency.autoconfigure..");

    /** Only the JDBC backend, which runs its statements through spring-jdbc, touches Spring's transactions. */
    @ArchTest
    static final ArchRule engineAndStorageSpiKnowNothingOfSpringTransactions = noClasses()
            .that().resideInAnyPackage("dev.idempotency.engine..", "dev.idempotency.storage",
                    "dev.idempotency.storage.memory..", "dev.idempotency.storage.redis..", "dev.idempotency.storage.nats..")
            .should().dependOnClassesThat().resideInAPackage("org.springframework.transaction..");

    @ArchTest
    static final ArchRule theTransactionAdapterKnowsOnlyTheEngineAndSpringTransactions = noClasses()
            .that().resideInAPackage("dev.idempotency.transaction..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.boot..",
                    "org.springframework.web..", "dev.idempotency.storage..", "dev.idempotency.web..",
                    "dev.idempotency.aop..", "dev.idempotency.autoconfigure..");

    /**
     * The engine stays free of Reactor, which an application without WebFlux or Lettuce lacks: its
     * asynchronous form speaks {@code CompletionStage}. Only the Redis backend, whose Lettuce
     * client brings Reactor, answers through it.
     */
    @ArchTest
    static final ArchRule onlyTheRedisBackendKnowsReactor = noClasses()
            .that().resideInAnyPackage("dev.idempotency.engine..", "dev.idempotency.storage",
                    "dev.idempotency.storage.memory..", "dev.idempotency.storage.jdbc..", "dev.idempotency.storage.nats..")
            .should().dependOnClassesThat().resideInAPackage("reactor..");

    /** The rules written once: the shared web package knows neither stack, so both adapters use it unchanged. */
    @ArchTest
    static final ArchRule sharedWebRulesKnowNeitherWebStack = noClasses()
            .that().resideInAPackage("dev.idempotency.web")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.web.servlet..",
                    "org.springframework.web.reactive..", "org.springframework.web.server..", "reactor..",
                    "dev.idempotency.web.servlet..", "dev.idempotency.web.reactive..");

    @ArchTest
    static final ArchRule theServletAdapterKnowsNothingOfTheReactiveStack = noClasses()
            .that().resideInAPackage("dev.idempotency.web.servlet..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework.web.reactive..",
                    "org.springframework.web.server..", "reactor..", "dev.idempotency.web.reactive..");

    @ArchTest
    static final ArchRule theReactiveAdapterKnowsNothingOfServlets = noClasses()
            .that().resideInAPackage("dev.idempotency.web.reactive..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.web.servlet..",
                    "dev.idempotency.web.servlet..");

    @ArchTest
    static final ArchRule storageKnowsNothingOfTheEngine = noClasses()
            .that().resideInAPackage("dev.idempotency.storage..")
            .should().dependOnClassesThat().resideInAPackage("dev.idempotency.engine..");

    @ArchTest
    static final ArchRule webAndAopKnowNothingOfAutoConfiguration = noClasses()
            .that().resideInAnyPackage("dev.idempotency.web..", "dev.idempotency.aop..")
            .should().dependOnClassesThat().resideInAPackage("dev.idempotency.autoconfigure..");

    @ArchTest
    static final ArchRule engineKnowsNoStorageBackend = noClasses()
            .that().resideInAPackage("dev.idempotency.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.idempotency.storage.memory..",
                    "dev.idempotency.storage.redis..", "dev.idempotency.storage.nats..");

    @ArchTest
    static final ArchRule topLevelPackagesAreFreeOfCycles = slices().matching("dev.idempotency.(*)..")
            .should().beFreeOfCycles();
}
