package io.lockstep.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: the options every command shares, and the commands. */
@Command(
        name = "lockstep",
        mixinStandardHelpOptions = true,
        version = "lockstep CLI 0.1.0",
        description = "Operate a Lockstep coordinator: stores, plans, backups, runs, restores, verifications,"
                + " retention and the audit log.",
        subcommands = {
            StatusCommand.class,
            PlansCommand.class,
            BackupCommand.class,
            RunsCommand.class,
            RestoreCommand.class,
            VerifyCommand.class,
            RetentionCommand.class,
            RepositoryCommand.class,
            AuditCommand.class
        },
        footerHeading = "%nConfiguration:%n",
        footer = {
            "  --url > LOCKSTEP_URL > url= in the config file > " + Settings.DEFAULT_URL,
            "  --token-file > LOCKSTEP_TOKEN > LOCKSTEP_TOKEN_FILE > the config file's",
            "    token= or token-file=; the token is never taken as a command-line value",
            "  config file: --config > LOCKSTEP_CONFIG > ~/.config/lockstep/config (0600)",
            "",
            "Exit codes:",
            "  0  ok",
            "  1  a followed run (--wait, runs watch) ended FAILED or CANCELLED",
            "  2  usage or configuration error; nothing was sent",
            "  3  refused by the API: its problem detail in one line on stderr",
            "  4  cannot reach the coordinator",
            "  5  internal error"
        })
public final class LockstepCommand implements Runnable {

    /** Human tables, or the API's JSON. */
    public enum Output {
        HUMAN,
        JSON
    }

    @Spec
    CommandSpec spec;

    @Option(
            names = "--url",
            scope = ScopeType.INHERIT,
            paramLabel = "URL",
            description = "the coordinator, e.g. http://127.0.0.1:8080 (default: LOCKSTEP_URL, the config file)")
    String url;

    @Option(
            names = "--token-file",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "a file whose first line is the API token")
    Path tokenFile;

    @Option(
            names = "--config",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "the config file (default: LOCKSTEP_CONFIG, ~/.config/lockstep/config)")
    Path config;

    @Option(
            names = {"-o", "--output"},
            scope = ScopeType.INHERIT,
            paramLabel = "human|json",
            description = "human tables (default) or the API's JSON")
    Output output = Output.HUMAN;

    /** Only there to refuse it with a clear message: a token on a command line is visible to every user. */
    @Option(names = "--token", scope = ScopeType.INHERIT, hidden = true, arity = "0..1", fallbackValue = " ")
    String tokenValue;

    @Option(
            names = "--timeout",
            scope = ScopeType.INHERIT,
            paramLabel = "SECONDS",
            description = "how long one API call may take (default: ${DEFAULT-VALUE})")
    int timeoutSeconds = 30;

    /** How often a followed run is read; tests set 0. */
    @Option(names = "--poll-interval-ms", scope = ScopeType.INHERIT, hidden = true)
    long pollIntervalMillis = 1000;

    private final Environment environment;
    private Session session;

    public LockstepCommand(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command, for example: lockstep status");
    }

    /** The API client and output of this invocation, built once from the options, environment and config file. */
    Session session() {
        if (session == null) {
            if (tokenValue != null) {
                throw CliException.usage("lockstep: --token is not accepted: a token on the command line is visible"
                        + " to every user of the machine (ps, shell history). Set LOCKSTEP_TOKEN, use --token-file"
                        + " FILE, or put token= in ~/.config/lockstep/config (mode 0600)");
            }
            if (timeoutSeconds < 1) {
                throw CliException.usage("lockstep: --timeout must be at least 1 second");
            }
            Settings settings = Settings.resolve(url, tokenFile, config, environment.env(), environment.home());
            session = new Session(
                    new ApiClient(settings, Duration.ofSeconds(timeoutSeconds)),
                    output == Output.JSON,
                    environment.out(),
                    environment.clock(),
                    Duration.ofMillis(Math.max(0, pollIntervalMillis)));
        }
        return session;
    }
}
