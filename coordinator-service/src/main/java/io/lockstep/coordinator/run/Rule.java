package io.lockstep.coordinator.run;

/**
 * The ordering rules of a multi-store backup (docs/rules.md, "Ordering rules"). The same names appear in the gates
 * that open the backup's stages ({@link BackupStage}) and in the failures of the evidence judge
 * ({@link BackupEvidence}), so a reason says which rule did not hold.
 */
public enum Rule {
    /** 1. Every search store acknowledged its quiesce before any SQL or search snapshot starts. */
    QUIESCE_FIRST(1),
    /** 2. Object copies are dispatched, and their listings start, only after every SQL snapshot point. */
    SQL_BEFORE_OBJECTS(2),
    /** 3. Search snapshots inside the quiet window; release once they are done and every SQL point is known. */
    SEARCH_WHILE_QUIESCED(3),
    /** 4. CONSISTENT only when every step succeeded, rules 1–3 held and every artifact verified. */
    CONSISTENT_ONLY_WITH_EVIDENCE(4),
    /** 5. On failure, every quiesced store is resumed and every running step cancelled. */
    ALWAYS_RESUME(5);

    private final int number;

    Rule(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** How a failure cites the rule: {@code SQL_BEFORE_OBJECTS (rule 2)}. */
    public String cite() {
        return name() + " (rule " + number + ")";
    }
}
