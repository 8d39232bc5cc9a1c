package dev.processpool.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * What {@code processpool}'s subcommands ({@code run}, {@code member}) share: the layout of their help (options
 * in declaration order, the terminal's width, the same headings) and the standard {@code --help} and
 * {@code --version} options. Picocli applies a superclass's {@code @Command} attributes first; each subcommand
 * adds its name, header, description and footer.
 */
@Command(sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = Main.Version.class,
        headerHeading = "%n",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n")
abstract class Subcommand implements Callable<Integer> {
}
