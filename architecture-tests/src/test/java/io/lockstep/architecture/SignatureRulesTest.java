package io.lockstep.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Event signatures are compared in constant time, so a forger learns nothing from how long a refusal takes. */
class SignatureRulesTest {

    private static final JavaClasses PROTOCOL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.lockstep.protocol");

    private static final String SIGNATURES = "io.lockstep.protocol.EventSignatures";

    @Test
    void macsAreComparedWithMessageDigestIsEqual() {
        classes()
                .that()
                .haveFullyQualifiedName(SIGNATURES)
                .should()
                .callMethod(MessageDigest.class, "isEqual", byte[].class, byte[].class)
                .because("MessageDigest.isEqual takes the same time wherever two MACs differ")
                .check(PROTOCOL);
    }

    @Test
    void macsAreNeverComparedWithAnEarlyExit() {
        noClasses()
                .that()
                .haveFullyQualifiedName(SIGNATURES)
                .should()
                .callMethod(Arrays.class, "equals", byte[].class, byte[].class)
                .orShould()
                .callMethod(Arrays.class, "mismatch", byte[].class, byte[].class)
                .orShould()
                .callMethod(String.class, "equals", Object.class)
                .as("EventSignatures compares MACs neither with Arrays.equals/mismatch nor as strings")
                .because("those return at the first differing byte, which tells a forger how much it got right")
                .check(PROTOCOL);
    }
}
