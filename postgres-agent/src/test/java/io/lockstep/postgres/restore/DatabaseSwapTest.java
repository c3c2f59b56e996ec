package io.lockstep.postgres.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatabaseSwapTest {

    @Test
    void aMarkSurvivesItsCommentWithTheLiveDatabasesOwnCommentInside() {
        DatabaseSwap.Mark mark =
                new DatabaseSwap.Mark("live", "agent-1", "0a1b2c3d", "shop", "app", "it's the \"shop\"\n\\ db");
        String comment = mark.encode();
        assertTrue(comment.startsWith(DatabaseSwap.MARK), comment);
        assertEquals(mark, DatabaseSwap.Mark.decode(comment));
    }

    @Test
    void aCommentThatIsNoMarkIsNotTakenForOne() {
        assertNull(DatabaseSwap.Mark.decode(null));
        assertNull(DatabaseSwap.Mark.decode("the shop's database"));
        assertNull(DatabaseSwap.Mark.decode(DatabaseSwap.MARK + "{not json"));
    }

    @Test
    void literalsEscapeQuotesAndBackslashesAndNullIsNull() {
        assertEquals("NULL", DatabaseSwap.literal(null));
        assertEquals("E'it''s a \\\\ path'", DatabaseSwap.literal("it's a \\ path"));
    }

    @Test
    void identifiersAreQuoted() {
        assertEquals("\"a\"\"b\"", DatabaseSwap.ident("a\"b"));
    }
}
