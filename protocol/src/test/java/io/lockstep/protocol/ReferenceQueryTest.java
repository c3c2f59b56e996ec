package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReferenceQueryTest {

    private static String refused(String query) {
        Optional<String> problem = ReferenceQuery.problem(query);
        assertTrue(problem.isPresent(), "should be refused: " + query);
        return problem.get();
    }

    @Test
    void singleSelectsAreAccepted() {
        for (String query : List.of(
                "select key from product_images",
                "  SELECT key FROM images WHERE kind = 'a;b'",
                "with k as (select key from images) select key from k",
                "(select key from a) union all (select key from b)",
                "select key from t -- the keys; all of them",
                "/* keys; /* nested; */ still a comment; */ select key from t",
                "select $$;$$ || key from t",
                "select $tag$ it's; $$ here $tag$ || key from t",
                "select E'it\\'s;' || key from t",
                "select \"odd;name\" from \"t;\"",
                "select \"update\", updated_at, deleted from t where key like 'delete%'",
                "select a$b$ from t",
                "select key\nfrom t\nwhere id = $1")) {
            assertEquals(Optional.empty(), ReferenceQuery.problem(query), query);
        }
    }

    @Test
    void aSemicolonOutsideQuotesIsRefusedWithItsPosition() {
        assertEquals(
                "reference query must be a single SELECT statement: found ';' at position 9 (remove it, also at the end)",
                refused("SELECT 1; DROP TABLE t"));
        assertTrue(refused("select id from t; commit; delete from t").contains("found ';' at position 17"));
        assertTrue(refused("select key from t;").contains("position 18"));
        assertTrue(refused("select 'a'';' ; drop table t").contains("position 15"));
    }

    @Test
    void quotesTheServerReadsDifferentlyNeverHideASeparator() {
        // With standard_conforming_strings off the server would read one string here; the check ends it early.
        assertTrue(refused("select 'a\\'; delete from t; --'").contains("found ';'"));
        // An E'' string's escaped quote does not end it, but its real end is found.
        assertTrue(refused("select E'\\'' ; drop table t").contains("found ';'"));
    }

    @Test
    void queriesNotStartingWithSelectOrWithAreRefused() {
        for (String query : List.of(
                "DELETE FROM t",
                "drop table t",
                "values ('a')",
                "table t",
                "COPY t TO PROGRAM 'x'",
                "CALL p()",
                "E'x'",
                "'x'",
                "*")) {
            assertTrue(refused(query).contains("must be a single SELECT statement: it starts with"), query);
        }
        assertTrue(refused("  -- comment\n  update t set a = 1").contains("it starts with 'UPDATE' at position 16"));
    }

    @Test
    void writingWordsOutsideQuotesAreRefusedEvenInsideASelect() {
        assertEquals(
                "reference query must be a read-only SELECT: found DELETE at position 12 (quote a column of that name:"
                        + " \"delete\")",
                refused("WITH d AS (DELETE FROM t RETURNING id) SELECT id FROM d"));
        assertTrue(refused("with x as (insert into t values (1) returning id) select id from x")
                .contains("found INSERT"));
        assertTrue(refused("select key from t for update").contains("found UPDATE"));
        assertTrue(refused("with m as (merge into t using s on true when matched then delete) select 1")
                .contains("found MERGE"));
    }

    @Test
    void unterminatedQuotesAndCommentsAreRefused() {
        assertTrue(refused("select 'abc").contains("unterminated string constant starting at position 8"));
        assertTrue(refused("select \"abc").contains("unterminated quoted identifier"));
        assertTrue(refused("select $x$ abc $y$").contains("unterminated dollar-quoted string"));
        assertTrue(refused("select 1 /* abc /* */").contains("unterminated comment"));
        assertTrue(refused("select E'abc\\'").contains("unterminated string constant"));
    }

    @Test
    void emptyQueriesAreRefused() {
        assertTrue(refused("").contains("empty"));
        assertTrue(refused("   ").contains("empty"));
        assertTrue(refused(null).contains("empty"));
        assertTrue(refused("-- nothing\n/* at all */").contains("empty"));
    }

    @Test
    void checkThrowsTheProblem() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ReferenceQuery.check("select 1; select 2"));
        assertTrue(e.getMessage().contains("found ';' at position 9"), e.getMessage());
        ReferenceQuery.check("select 1");
    }
}
