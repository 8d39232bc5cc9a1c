package dev.processpool.cli;

/**
 * What the parts of one run share, made by the {@link Runner} and handed to them whole: the run's settings, the
 * console its messages go to, its counts and its one stop state.
 */
record RunContext(Runner.Settings settings, Console console, RunStats stats, RunStop stop) {
}
