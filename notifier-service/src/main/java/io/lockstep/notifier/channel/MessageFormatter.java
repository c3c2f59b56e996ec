package io.lockstep.notifier.channel;

import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.RunEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns an event into a message for people: a headline and a few "name: value" lines. */
public final class MessageFormatter {

    private MessageFormatter() {}

    /**
     * A readable message.
     *
     * @param headline one line, also the e-mail subject (after a "[Lockstep] " prefix)
     * @param details "name: value" lines in a fixed order; absent values are left out
     */
    public record Message(String headline, List<String> details) {

        /** Plain text: the headline, a blank line, the details. */
        public String text() {
            return headline + "\n\n" + String.join("\n", details) + "\n";
        }

        /** Slack mrkdwn: the headline in bold, the details below; user text escaped. */
        public String slackText() {
            StringBuilder out =
                    new StringBuilder("*").append(slackEscape(headline)).append('*');
            for (String line : details) {
                out.append('\n').append(slackEscape(line));
            }
            return out.toString();
        }
    }

    public static Message format(Notification n) {
        return n.run() != null ? run(n.eventType(), n.run()) : plan(n.eventType(), n.planEvent());
    }

    static Message run(String eventType, RunEvent run) {
        String what = switch (run.type() == null ? "" : run.type().toUpperCase(Locale.ROOT)) {
            case "RESTORE" -> "Restore";
            case "DRILL" -> "Restore drill";
            default -> "Backup";
        };
        String headline = switch (eventType) {
            case EventTypes.RUN_STARTED, EventTypes.RESTORE_STARTED -> what + " of plan " + run.plan() + " started";
            case EventTypes.RUN_VERIFIED -> "Backup of plan " + run.plan() + " passed its restore drill";
            case EventTypes.RUN_VERIFICATION_FAILED -> "Backup of plan " + run.plan() + " FAILED its restore drill";
            case EventTypes.RUN_EXPIRED -> "Backup of plan " + run.plan() + " expired and was deleted";
            default -> what + " of plan " + run.plan() + " " + (run.state() == null ? "changed" : run.state());
        };
        List<String> details = new ArrayList<>();
        details.add("Plan: " + run.plan());
        details.add("Run: " + run.runId());
        add(details, "State", run.state());
        if (run.startedAt() != null && run.at() != null) {
            details.add("Duration: " + duration(Duration.between(run.startedAt(), run.at())));
        }
        if (run.bytes() > 0) {
            details.add("Size: " + size(run.bytes()));
        }
        add(details, "Consistency point", run.consistencyPoint());
        add(details, "Label", run.label());
        add(details, "Restores run", run.sourceRunId());
        add(details, "Reason", run.error());
        add(details, "At", run.at());
        return new Message(headline, details);
    }

    static Message plan(String eventType, PlanEvent plan) {
        String headline = switch (eventType) {
            case EventTypes.PLAN_STALE -> "Plan " + plan.plan() + " is STALE: no consistent backup for too long";
            case EventTypes.RUN_SKIPPED -> "Scheduled backup of plan " + plan.plan() + " skipped";
            default -> "Plan " + plan.plan() + ": " + eventType;
        };
        List<String> details = new ArrayList<>();
        details.add("Plan: " + plan.plan());
        add(details, "Reason", plan.reason());
        details.add("Last consistent backup: " + (plan.lastConsistentAt() == null ? "never" : plan.lastConsistentAt()));
        add(details, "Run", plan.runId());
        add(details, "At", plan.at());
        return new Message(headline, details);
    }

    /** "45s", "3m 12s", "2h 05m", "3d 4h"; a negative duration (clock skew) counts as zero. */
    public static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        if (s < 86_400) {
            return (s / 3600) + "h " + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
        }
        return (s / 86_400) + "d " + ((s % 86_400) / 3600) + "h";
    }

    /** Binary units with one decimal: "512 B", "1.5 KiB", "2.3 GiB". */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Slack's mrkdwn treats &, < and > as markup. */
    static String slackEscape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void add(List<String> details, String name, Object value) {
        if (value != null && !(value instanceof String s && s.isBlank())) {
            details.add(name + ": " + value);
        }
    }
}
