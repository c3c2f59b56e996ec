package io.lockstep.coordinator.catalog;

/**
 * The public state of a run, as the API and run events show it.
 * <ul>
 * <li>a backup goes {@code QUEUED -> RUNNING -> VERIFYING -> CONSISTENT}, or ends {@code FAILED} or
 * {@code CANCELLED};
 * <li>{@code CONSISTENT} is reached only with evidence (see {@code RunStateMachine});
 * <li>a restore, drill, dry run or re-verification goes {@code QUEUED -> RUNNING -> SUCCEEDED}, or ends {@code FAILED}.
 * </ul>
 */
public enum RunState {
    QUEUED,
    RUNNING,
    VERIFYING,
    CONSISTENT,
    FAILED,
    CANCELLED,
    SUCCEEDED;

    /** The states of a run still going: every state that is not {@link #terminal()}. */
    public static final java.util.List<RunState> ACTIVE =
            java.util.Arrays.stream(values()).filter(s -> !s.terminal()).toList();

    public boolean terminal() {
        return this == CONSISTENT || this == FAILED || this == CANCELLED || this == SUCCEEDED;
    }
}
