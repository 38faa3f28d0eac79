package dev.idempotency;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** Dependencies point down only: storage, then engine, then web and aop, then autoconfigure on top. */
@AnalyzeClasses(packages = "dev.idempotency", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule storageAndEngineKnowNothingOfServletsAopBootOrTheLayersAbove = noClasses()
            .that().resideInAnyPackage("dev.idempotency.storage..", "dev.idempotency.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.aspectj..",
                    "org.springframework.boot..", "org.springframework.web..", "dev.idempotency.web..",
                    "dev.idempotency.aop..", "dev.idempotency.autoconfigure..");

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
