package io.lockstep.coordinator.run;

/**
 * The public state of a run, as the API and run events show it.
 * <ul>
 * <li>a backup goes {@code QUEUED -> RUNNING -> VERIFYING -> CONSISTENT}, or ends {@code FAILED} or
 * {@code CANCELLED};
 * <li>{@code CONSISTENT} is reached only with evidence (see {@link RunStateMachine});
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

    public boolean terminal() {
        return this == CONSISTENT || this == FAILED || this == CANCELLED || this == SUCCEEDED;
    }
}
