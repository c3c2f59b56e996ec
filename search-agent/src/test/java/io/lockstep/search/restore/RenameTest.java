package io.lockstep.search.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.protocol.ArtifactLayout;
import org.junit.jupiter.api.Test;

class RenameTest {

    @Test
    void withoutAPatternARestoreIsInPlaceAndKeepsEveryName() throws StepFailure {
        Rename rename = Rename.of(null, "ignored-$1");
        assertTrue(rename.inPlace());
        assertEquals("products", rename.apply("products"));
        assertTrue(Rename.of("  ", null).inPlace(), "a blank pattern is no pattern");
    }

    @Test
    void aPatternWithGroupsRenamesEachIndexAsElasticsearchWould() throws StepFailure {
        Rename rename = Rename.of("(.+)", "restored-$1");
        assertFalse(rename.inPlace());
        assertEquals("restored-products", rename.apply("products"));
        assertEquals("restored-.hidden", rename.apply(".hidden"));
    }

    @Test
    void aPatternWithoutReplacementMapsEachNameToItself() throws StepFailure {
        Rename rename = Rename.of("prod(.*)", null);
        assertEquals("$0", rename.replacement());
        assertEquals("products", rename.apply("products"));
    }

    @Test
    void aPatternMatchingPartOfANameReplacesOnlyThatPart() throws StepFailure {
        assertEquals("items-v2", Rename.of("v1", "v2").apply("items-v1"));
    }

    @Test
    void aDrillsRenameGivesNamesThatADropAccepts() throws StepFailure {
        Rename drill = Rename.of(ArtifactLayout.DRILL_INDEX_PATTERN, ArtifactLayout.drillIndexReplacement("0a1b2c3d"));
        String target = drill.apply("products");
        assertEquals("lsdrill-0a1b2c3d-products", target);
        assertTrue(ArtifactLayout.isDrillIndex(target));
    }

    @Test
    void aPatternThatIsNoRegularExpressionIsRefusedWithAReadableReason() {
        StepFailure failure = assertThrows(StepFailure.class, () -> Rename.of("(unclosed", "x"));
        assertTrue(failure.getMessage().contains("(unclosed"), failure.getMessage());
        assertTrue(failure.getMessage().contains("not a regular expression"), failure.getMessage());
    }
}
