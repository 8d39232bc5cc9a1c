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
 * The live progress line on an interactive terminal (me.tongfei:progressbar): done/total, percentage,
 * elapsed and ETA, tasks per second, and the failures so far by kind. Drawn through the {@link Console} so
 * that messages can appear above it.
 */
final class Progress implements AutoCloseable {

    private final ProgressBar bar;
    private final RunStats stats;

    Progress(Console console, RunStats stats) {
        this.stats = stats;
        int width = Math.max(40, Console.terminalWidth() - 4); // room for an echoed ^C
        ProgressBarConsumer consumer = new ProgressBarConsumer() {
            @Override
            public int getMaxRenderedLength() {
                return width;
            }

            @Override
            public void accept(String rendered) {
                console.drawBar(rendered.length() > width ? rendered.substring(0, width) : rendered);
            }

            @Override
            public void close() {
                console.endBar();
            }
        };
        this.bar = new ProgressBarBuilder()
                .setTaskName("tasks")
                .setInitialMax(-1)
                .setStyle(Console.unicode() ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
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
        update();
        bar.close();
    }
}
