package io.lockstep.agent.core.command;

/** A step failed for a reason an operator can read and act on. The message must hold no secret. */
public class StepFailure extends Exception {

    public StepFailure(String reason) {
        super(reason);
    }

    public StepFailure(String reason, Throwable cause) {
        super(reason, cause);
    }
}
