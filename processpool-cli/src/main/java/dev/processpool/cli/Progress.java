package dev.processpool.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The live progress display on an interactive terminal (or with {@code --progress}): a line of
 * me.tongfei:progressbar with done/total, percentage, elapsed and ETA, tasks per second, and the failures so
 * far by kind; under it, while tasks run, the slowest running task with its run time and its last progress
 * report ({@link SlowestTask}). Redrawn five times a second, through the {@link Console} so that messages
 * can appear above it.
 */
final class Progress implements AutoCloseable {

    private final ProgressBar bar;
    private final RunStats stats;
    private final SlowestTask slowest;

    /** @param slowest the running tasks for the second line, or null for none (a run on a cluster) */
    Progress(Console console, RunStats stats, SlowestTask slowest) {
        this.bar = bar(console, slowest);
        this.stats = stats;
        this.slowest = slowest;
    }

    /** The bar, drawn through the console, with the slowest running task under it. */
    private static ProgressBar bar(Console console, SlowestTask slowest) {
        int width = Math.max(40, Console.terminalWidth() - 4); // room for an echoed ^C
        ProgressBarConsumer consumer = new ProgressBarConsumer() {
            @Override
            public int getMaxRenderedLength() {
                return width;
            }

            @Override
            public void accept(String rendered) {
                console.drawBar(SlowestTask.fit(rendered, width),
                        slowest == null ? null : slowest.line(width, System.nanoTime()));
            }

            @Override
            public void close() {
                console.endBar();
            }
        };
        return new ProgressBarBuilder()
                .setTaskName("tasks")
                .setInitialMax(-1)
                .setStyle(Console.unicode() ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .continuousUpdate() // the run times of the second line move on while no task ends
                .setConsumer(consumer)
                .showSpeed(new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT)))
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUnit("", 1)
                .build();
    }

    /** Takes the current counts; the bar redraws itself a few times a second. */
    void update() {
        long total = stats.total();
        if (total > 0) {
            bar.maxHint(total);
        }
        bar.stepTo(stats.done());
        String failures = stats.failuresByKind();
        bar.setExtraMessage(failures.isEmpty() ? "" : " | " + failures);
    }

    @Override
    public void close() {
        if (slowest != null) {
            slowest.observe(java.util.List.of(), System.nanoTime()); // nothing runs any more
        }
        update();
        bar.close();
    }
}
