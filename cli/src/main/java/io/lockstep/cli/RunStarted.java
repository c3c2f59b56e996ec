package io.lockstep.cli;

import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;

/** What the commands that start a run (backup, restore, verify) print, and their following with --wait. */
final class RunStarted {

    private RunStarted() {}

    static int report(Session s, JsonNode run, String what, boolean wait) {
        String id = text(run, "id");
        if (!wait) {
            if (s.json) {
                s.printJson(run);
            } else {
                s.println("started " + what + ": run " + id + " (" + text(run, "state") + "); follow it with:"
                        + " lockstep runs watch " + id);
            }
            return ExitCodes.OK;
        }
        if (!s.json) {
            s.println("started " + what + ": run " + id);
        }
        JsonNode last = new RunFollower(s, true).follow(id);
        if (s.json) {
            s.printJson(last);
        }
        return RunFollower.exitCode(last);
    }
}
