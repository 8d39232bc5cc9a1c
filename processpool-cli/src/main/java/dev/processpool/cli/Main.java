package dev.processpool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code processpool} command line: {@code processpool run ...}, {@code processpool member ...},
 * {@code --help}, {@code --version}.
 */
@Command(name = "processpool", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        usageHelpAutoWidth = true,
        headerHeading = "%n",
        header = "Runs Java tasks in a pool of worker JVMs, with hard timeouts and crash isolation.",
        synopsisHeading = "%nUsage: ",
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {
            "See 'processpool run --help' for the input and output formats.",
            "Exit codes: 0 all tasks ok; 1 some task failed; 2 usage or input error, or",
            "no worker could be started; 130 interrupted (Ctrl-C); 143 terminated",
            "(SIGTERM).",
        })
public final class Main implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Without a command: the synopsis, as a usage error. */
    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        cl.getErr().println("processpool: missing command");
        cl.getErr().print("Usage: " + cl.getHelp().synopsis(0));
        cl.getErr().println("Try 'processpool --help' for more information.");
        return Runner.EXIT_USAGE;
    }

    /** picocli's system property: a regex of the types whose built-in converters it does not register. */
    private static final String PICOCLI_EXCLUDES = "picocli.converters.excludes";

    public static void main(String[] args) {
        int code = execute(args);
        ParentArchive.dump(); // after a run that ended well only: the next run starts from this one's classes
        System.exit(code);
    }

    /** Runs the command line and returns the exit code. */
    static int execute(String... args) {
        configureLogging(false);
        CommandLine cl = commandLine(args.length == 0 ? null : args[0]);
        // A usage error: the error, a suggestion if picocli has one, and where the help is; not the whole help.
        cl.setParameterExceptionHandler((e, arguments) -> {
            CommandLine where = e.getCommandLine();
            PrintWriter err = where.getErr();
            err.println("processpool: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Try '" + where.getCommandSpec().qualifiedName() + " --help' for more information.");
            return Runner.EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("processpool: internal error: " + e);
            e.printStackTrace(commandLine.getErr());
            return Runner.EXIT_FAILED;
        });
        return cl.execute(args);
    }

    /**
     * The command line, with its subcommands ({@code run}, {@code member}, {@code help}). Picocli builds each
     * subcommand's model from its annotations when it is added, which costs a cold JVM tens of milliseconds of
     * interpreted reflection per command: a run (or a member) gets only its own command, anything else
     * (help, version, a mistyped command) gets them all, in the order the help lists them.
     *
     * @param first the first argument, or null
     */
    static CommandLine commandLine(String first) {
        // picocli registers its converters for java.sql and java.time types by reflection when a command line is
        // made (a few tens of milliseconds of a cold JVM's start); no option here has such a type (durations have
        // a converter of their own)
        if (System.getProperty(PICOCLI_EXCLUDES) == null) {
            System.setProperty(PICOCLI_EXCLUDES, "java\\.sql\\..*|java\\.time\\..*");
        }
        CommandLine cl = new CommandLine(new Main());
        if (!"member".equals(first)) {
            cl.addSubcommand("run", new RunCommand());
        }
        if (!"run".equals(first)) {
            cl.addSubcommand("member", new MemberCommand());
        }
        if (!"run".equals(first) && !"member".equals(first)) {
            cl.addSubcommand("help", new CommandLine.HelpCommand());
        }
        return cl;
    }

    /** The core's log: warnings and errors on stderr in the command's words (errors only with --quiet). */
    static void configureLogging(boolean quiet) {
        CliLog.quiet(quiet);
    }

    /** {@code --version}: the jar's Implementation-Version. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                "processpool " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ") on " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch"),
            };
        }
    }
}
