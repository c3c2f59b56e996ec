package io.lockstep.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules the modules' main code keeps. Each says why. None is frozen: any violation fails the build, with the
 * rule's reason in its message.
 */
class ArchitectureRulesTest {

    /** Main classes of every module (this module's own test classes are left out). */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.lockstep");

    /** The root package of each module's code. */
    private static final List<String> MODULE_ROOTS = List.of(
            "io.lockstep.protocol",
            "io.lockstep.repository",
            "io.lockstep.agent.core",
            "io.lockstep.auth",
            "io.lockstep.coordinator",
            "io.lockstep.postgres",
            "io.lockstep.objectstore",
            "io.lockstep.search",
            "io.lockstep.notifier",
            "io.lockstep.cli");

    private static final String[] AGENTS = {
        "io.lockstep.agent..", "io.lockstep.postgres..", "io.lockstep.objectstore..", "io.lockstep.search.."
    };

    @Test
    void modulesAreFreeOfCycles() {
        check(slices().matching("io.lockstep.(*)..")
                .should()
                .beFreeOfCycles()
                .because("a module's packages form a layer of the build: a cycle between them would need one"
                        + " Maven module to depend on another that depends on it"));
    }

    @ParameterizedTest
    @MethodSource("moduleRoots")
    void packagesOfEachModuleAreFreeOfCycles(String root) {
        check(slices().matching(root + ".(*)..")
                .should()
                .beFreeOfCycles()
                .allowEmptyShould(true) // protocol has no sub-packages (yet)
                .as("packages of " + root + " are free of cycles")
                .because("a cycle makes packages changeable only together: one of them must own the shared"
                        + " type, or the dependency must go through an interface or an event"));
    }

    @Test
    void agentsNeverDependOnTheCoordinatorOrTheNotifier() {
        check(noClasses()
                .that()
                .resideInAnyPackage(AGENTS)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.lockstep.coordinator..", "io.lockstep.notifier..")
                .because("agents and the services talk only through the protocol's commands and events on"
                        + " Kafka, so each is deployed, restarted and upgraded on its own"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io.lockstep.postgres..", "io.lockstep.objectstore..", "io.lockstep.search.."})
    void agentsNeverDependOnEachOther(String agent) {
        check(noClasses()
                .that()
                .resideInAPackage(agent)
                .should()
                .dependOnClassesThat(resideInAnyPackage(AGENTS)
                        .and(not(resideInAPackage(agent)))
                        .and(not(resideInAPackage("io.lockstep.agent.."))))
                .as("classes in " + agent + " depend on no other agent")
                .because("what agents share lives in agent-core; an agent knows only its own store"));
    }

    @Test
    void agentCoreNeverDependsOnASpecificAgent() {
        check(noClasses()
                .that()
                .resideInAPackage("io.lockstep.agent..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.lockstep.postgres..", "io.lockstep.objectstore..", "io.lockstep.search..")
                .because("agent-core is what every agent shares; the store-specific logic plugs into it"));
    }

    @Test
    void agentsHaveNoApiSecurity() {
        check(noClasses()
                .that()
                .resideInAnyPackage(AGENTS)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.lockstep.auth..", "io.quarkus.security..", "io.smallrye.jwt..")
                .because("agents serve no API: tokens and roles (api-auth) belong to the coordinator and the"
                        + " notifier, and agents talk only through Kafka"));
    }

    @Test
    void apiAuthDependsOnNothingOfLockstep() {
        check(noClasses()
                .that()
                .resideInAPackage("io.lockstep.auth..")
                .should()
                .dependOnClassesThat(resideInAPackage("io.lockstep..").and(not(resideInAPackage("io.lockstep.auth.."))))
                .because("api-auth is shared by the coordinator and the notifier: it can depend on neither, and"
                        + " needs nothing else of Lockstep's"));
    }

    @Test
    void protocolDependsOnNothingOfLockstep() {
        check(noClasses()
                .that()
                .resideInAPackage("io.lockstep.protocol..")
                .should()
                .dependOnClassesThat(
                        resideInAPackage("io.lockstep..").and(not(resideInAPackage("io.lockstep.protocol.."))))
                .because("the protocol is the one contract every service depends on; it cannot depend on any of"
                        + " them"));
    }

    @Test
    void protocolUsesOnlyTheJdkAndJackson() {
        check(classes()
                .that()
                .resideInAPackage("io.lockstep.protocol..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.lockstep.protocol..", "java..", "javax.crypto..", "com.fasterxml.jackson..")
                .because("every service, agent and test links the protocol: a new library there is a new"
                        + " library everywhere, so it needs a decision, not an import"));
    }

    @Test
    void theCliTalksToTheCoordinatorOnlyThroughItsApi() {
        check(classes()
                .that()
                .resideInAPackage("io.lockstep.cli..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.lockstep.cli..", "java..", "com.fasterxml.jackson..", "picocli..")
                .because("the CLI is a client of the REST API, deployed apart from the services: linking their"
                        + " classes would tie it to their versions and pull their frameworks into a tool that"
                        + " must start fast"));
    }

    @Test
    void nothingDependsOnTheCli() {
        check(noClasses()
                .that()
                .resideOutsideOfPackage("io.lockstep.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lockstep.cli..")
                .because("the CLI is an operator's tool at the edge; services never call it"));
    }

    @Test
    void noFieldInjection() {
        check(noFields()
                .that()
                .areDeclaredInClassesThat()
                .resideInAPackage("io.lockstep..")
                .should()
                .beAnnotatedWith("jakarta.inject.Inject")
                .orShould()
                .beAnnotatedWith("org.eclipse.microprofile.config.inject.ConfigProperty")
                .orShould()
                .beAnnotatedWith("org.eclipse.microprofile.reactive.messaging.Channel")
                .orShould()
                .beAnnotatedWith("org.eclipse.microprofile.rest.client.inject.RestClient")
                .orShould()
                .beAnnotatedWith("io.smallrye.common.annotation.Identifier")
                .as("no field injection")
                .because("constructor injection makes a bean's dependencies final and visible, and lets a test"
                        + " build it with plain new"));
    }

    static Stream<String> moduleRoots() {
        return MODULE_ROOTS.stream();
    }

    private static void check(ArchRule rule) {
        rule.check(MAIN);
    }
}
