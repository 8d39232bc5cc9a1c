package dev.processpool.cli.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The report's file: written whole, each time to a temporary file beside it that is then renamed over it,
 * so that whoever opens it, whenever the run stops, finds a complete page: the last checkpoint, or the final
 * report.
 *
 * <p>When the run ends, however it ends (completed, Ctrl-C, SIGTERM, a stop), the caller records it with
 * {@link RunReport#finish} and calls {@link #writeFinal()}. While it runs, {@link #checkpointIfDue()}
 * rewrites the file now and then, so that a run killed outright (SIGKILL, a power cut) leaves a report of
 * what had ended by the last checkpoint, marked as such: the first checkpoint is written by the
 * constructor; the next ones after at least {@value #MIN_INTERVAL_SECONDS} s, and never more often than
 * {@value #RENDER_SHARE}× the time the last rendering took, so that checkpoints cost under 5% of one core.
 */
public final class ReportFile {

    static final int MIN_INTERVAL_SECONDS = 5;
    static final int RENDER_SHARE = 20;

    private final Path path;
    private final RunReport report;
    private final LongSupplier clock;
    private final Object writing = new Object();
    /** Guarded by {@link #writing}. */
    private long nextCheckpoint;
    private volatile long lastRenderNanos;
    private volatile boolean finalWritten;

    /**
     * Writes the first checkpoint (an empty report) at once.
     *
     * @throws IOException if the file cannot be written: the caller should say so before the run starts
     */
    public ReportFile(Path path, RunReport report) throws IOException {
        this(path, report, System::nanoTime);
    }

    ReportFile(Path path, RunReport report, LongSupplier clock) throws IOException {
        this.path = path.toAbsolutePath();
        this.report = Objects.requireNonNull(report, "report");
        this.clock = clock;
        write();
    }

    public Path path() {
        return path;
    }

    /**
     * Rewrites the file if a checkpoint is due; cheap when not. Call it from a monitor thread, often.
     *
     * @return whether a checkpoint was written
     * @throws IOException if writing failed (the previous version of the file is left as it was)
     */
    public boolean checkpointIfDue() throws IOException {
        synchronized (writing) {
            if (finalWritten || clock.getAsLong() - nextCheckpoint < 0) {
                return false;
            }
            write();
            return true;
        }
    }

    /** Writes the report as it stands now, after {@link RunReport#finish}; later checkpoints do nothing. */
    public void writeFinal() throws IOException {
        synchronized (writing) {
            write();
            finalWritten = true;
        }
    }

    /** How long the last rendering took, in nanoseconds. */
    public long lastRenderNanos() {
        return lastRenderNanos;
    }

    private void write() throws IOException {
        long start = clock.getAsLong();
        RunReport.Snapshot snapshot = report.snapshot(report.since(System.nanoTime()));
        Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
        try (Writer out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8),
                1 << 16)) {
            HtmlReport.render(snapshot, out);
        } catch (java.io.UncheckedIOException e) {
            Files.deleteIfExists(tmp);
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
        }
        long took = clock.getAsLong() - start;
        lastRenderNanos = took;
        nextCheckpoint = clock.getAsLong() + Math.max(TimeUnit.SECONDS.toNanos(MIN_INTERVAL_SECONDS), RENDER_SHARE * took);
    }
}
