package io.convserve;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way, api -> serving -> registry -> model (and api -> importer -> registry, model), the gRPC
 * adapter sits beside api on the same serving layer, the engine has no Spring in it, and {@code system} is wiring
 * only (docs/design.md#code-layout).
 */
class ArchitectureRulesTest {

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.convserve");

    @Test
    void modelUsesOnlyNd4jAndTheJdk() {
        noClasses().that().resideInAPackage("io.convserve.model..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "tools.jackson..",
                        "io.convserve.registry..", "io.convserve.serving..", "io.convserve.api..",
                        "io.convserve.system..", "io.convserve.metrics..")
                .check(classes);
    }

    @Test
    void registryDoesNotKnowHttpOrServing() {
        noClasses().that().resideInAPackage("io.convserve.registry..")
                .should().dependOnClassesThat().resideInAnyPackage("io.convserve.api..", "io.convserve.serving..",
                        "org.springframework.web..", "jakarta.servlet..")
                .check(classes);
    }

    @Test
    void importerKnowsOnlyTheModelAndTheRegistry() {
        noClasses().that().resideInAPackage("io.convserve.importer..")
                .should().dependOnClassesThat().resideInAnyPackage("io.convserve.api..", "io.convserve.serving..",
                        "io.convserve.system..", "io.convserve.metrics..", "org.springframework..",
                        "jakarta.servlet..")
                .check(classes);
    }

    @Test
    void modelAndRegistryDoNotDependOnTheImporter() {
        noClasses().that().resideInAnyPackage("io.convserve.model..", "io.convserve.registry..",
                        "io.convserve.serving..")
                .should().dependOnClassesThat().resideInAPackage("io.convserve.importer..")
                .check(classes);
    }

    @Test
    void servingHasNoHttpTypes() {
        noClasses().that().resideInAPackage("io.convserve.serving..")
                .should().dependOnClassesThat().resideInAnyPackage("io.convserve.api..", "org.springframework.web..",
                        "org.springframework.http..", "jakarta.servlet..")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.convserve.(*)..").should().beFreeOfCycles().check(classes);
    }

    /** Wiring only: each package owns its settings and types, so nothing needs the wiring. */
    @Test
    void nothingDependsOnSystem() {
        noClasses().that().resideOutsideOfPackage("io.convserve.system..")
                .should().dependOnClassesThat().resideInAPackage("io.convserve.system..")
                .check(classes);
    }

    @Test
    void grpcSitsBesideHttpOnTheServingLayer() {
        noClasses().that().resideInAPackage("io.convserve.grpc..")
                .should().dependOnClassesThat().resideInAnyPackage("io.convserve.api..", "io.convserve.importer..",
                        "org.springframework.web..", "org.springframework.http..", "jakarta.servlet..")
                .check(classes);
        noClasses().that().resideInAnyPackage("io.convserve.model..", "io.convserve.registry..",
                        "io.convserve.serving..", "io.convserve.api..", "io.convserve.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("io.convserve.grpc..", "io.grpc..")
                .check(classes);
    }
}
