package dev.processpool.transport;

import dev.processpool.protocol.Protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes one class-data archive for {@link ClassDataCache}, in a JVM of its own that the pool starts in the
 * background and does not wait for: it runs the training JVM, then a JVM that must map the new archive,
 * then renames the archive into place and releases the lock. Being a process apart, it finishes the job
 * even when the pool's JVM has exited in the meantime (a short program still leaves an archive for its
 * next run). Uses nothing but the JDK, so it runs on any worker class path.
 *
 * <p>{@code ArchiveTrainer aot|appcds JAVA ARCHIVE TEMP LOCK CLASS_PATH MAIN_CLASS SILENCER OPTION...}: trains
 * with {@code MAIN_CLASS --train} (the pool's worker main class, which must offer the core's training mode,
 * perhaps after training its own start-up) and checks with {@code MAIN_CLASS --check}; exit code 0
 * when the archive is in place, {@link Exit#TRAINING_FAILED}, {@link Exit#CHECK_FAILED} or {@link Exit#MOVE_FAILED}
 * otherwise (the lock then stays until it is stale, so that a failing training is not retried at once).
 */
public final class ArchiveTrainer {

    /**
     * The trainer's exit codes other than 0 (the archive is in place). Except after {@link #PARENT_GONE}, the
     * lock stays until it is stale, so that a failing training is not retried at once.
     */
    enum Exit {
        /** The training JVM failed, timed out or wrote no archive. */
        TRAINING_FAILED(1, null),
        /** A JVM started with the new archive refused it or failed. */
        CHECK_FAILED(2, "a JVM refused the new archive"),
        /** The checked archive could not be renamed into place. */
        MOVE_FAILED(3, "the archive could not be moved into place"),
        /** The trainer was started with arguments it does not understand. */
        USAGE(4, null),
        /** The pool's JVM died first: the trainer ended its JVMs and removed its files and the lock. */
        PARENT_GONE(5, null);

        /** The process exit code. */
        final int code;
        /** What it means in the pool's log, or null: the generic words with the code. */
        private final String meaning;

        Exit(int code, String meaning) {
            this.code = code;
            this.meaning = meaning;
        }

        /** What a trainer's non-zero exit code (one of ours, or the trainer JVM's own) means in the pool's log. */
        static String describe(int code) {
            for (Exit e : values()) {
                if (e.code == code && e.meaning != null) {
                    return e.meaning;
                }
            }
            return "the training JVM failed (trainer exit code " + code + ")";
        }
    }

    /** How often the trainer checks that the JVM that started it is alive. */
    static final long PARENT_WATCH_MILLIS = 100;

    private ArchiveTrainer() {
    }

    public static void main(String[] argv) {
        if (argv.length < 8 || !(argv[0].equals("aot") || argv[0].equals("appcds"))) {
            System.err.println("usage: ArchiveTrainer aot|appcds JAVA ARCHIVE TEMP LOCK CLASS_PATH MAIN_CLASS SILENCER"
                    + " OPTION...  (started by dev.processpool.ProcessPool)");
            System.exit(Exit.USAGE.code);
        }
        boolean aot = argv[0].equals("aot");
        String java = argv[1];
        Path archive = Path.of(argv[2]);
        Path temp = Path.of(argv[3]);
        Path lock = Path.of(argv[4]);
        String classPath = argv[5];
        String mainClass = argv[6];
        String silencer = argv[7];
        List<String> options = Arrays.asList(argv).subList(8, argv.length);
        watchParent(temp, lock);
        int code;
        try {
            code = run(aot, java, archive, temp, classPath, mainClass, silencer, options);
        } catch (IOException | RuntimeException e) {
            System.err.println("class-data archive training failed: " + e);
            code = Exit.TRAINING_FAILED.code;
        } catch (InterruptedException e) {
            code = Exit.TRAINING_FAILED.code;
        }
        try {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(temp.resolveSibling(temp.getFileName() + ".config")); // AOT's, if left
            if (code == 0) {
                Files.deleteIfExists(lock);
            }
        } catch (IOException ignored) {
            // best effort: a stale lock is taken over later
        }
        System.exit(code);
    }

    /**
     * Nothing the pool started outlives it: when the JVM that started this trainer dies (even by SIGKILL,
     * without its close), the trainer kills the JVMs it started, removes its temporary file and its lock
     * (the next pool trains again) and halts. Checked every {@value #PARENT_WATCH_MILLIS} ms on a daemon
     * thread: the parent is gone once this process has been handed to another parent.
     */
    private static void watchParent(Path temp, Path lock) {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread watch = new Thread(() -> {
            try {
                while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-2L) == parent) {
                    Thread.sleep(PARENT_WATCH_MILLIS);
                }
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
                Files.deleteIfExists(temp);
                Files.deleteIfExists(temp.resolveSibling(temp.getFileName() + ".config"));
                Files.deleteIfExists(lock);
            } catch (Throwable t) {
                // halt anyway: the pool that wanted the archive is gone
            }
            Runtime.getRuntime().halt(Exit.PARENT_GONE.code);
        }, "processpool-trainer-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static int run(boolean aot, String java, Path archive, Path temp, String classPath, String mainClass,
                           String silencer, List<String> options) throws IOException, InterruptedException {
        List<String> train = new ArrayList<>();
        train.add(java);
        train.add(silencer);
        train.addAll(options);
        train.add((aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + temp);
        train.add("-Dprocesspool.worker=training");
        train.add("-cp");
        train.add(classPath);
        train.add(mainClass);
        train.add(Protocol.TRAIN_ARGUMENT);
        // The training JVM halts itself after TRAINING_LIMIT_SECONDS; the margin covers writing the archive.
        if (runTo(train, archive.getParent(), Protocol.TRAINING_LIMIT_SECONDS + 60) != 0 || !nonEmpty(temp)) {
            return Exit.TRAINING_FAILED.code;
        }
        List<String> check = new ArrayList<>();
        check.add(java);
        check.addAll(options);
        if (aot) {
            check.add("-XX:AOTMode=on");
            check.add("-XX:AOTCache=" + temp);
        } else {
            check.add("-Xshare:on");
            check.add("-XX:SharedArchiveFile=" + temp);
        }
        check.add("-cp");
        check.add(classPath);
        check.add(mainClass);
        check.add(Protocol.CHECK_ARGUMENT);
        if (runTo(check, archive.getParent(), 60) != 0) {
            return Exit.CHECK_FAILED.code;
        }
        try {
            Files.move(temp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            return Exit.MOVE_FAILED.code;
        }
        return 0;
    }

    /** Starts a JVM with no input and its output discarded, in {@code directory}. */
    static Process start(List<String> cmd, Path directory) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .directory(directory.toFile()) // where a crashing JVM would leave its hs_err file
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.getOutputStream().close();
        return p;
    }

    /** Runs a command to its end (killed after {@code limitSeconds}); its exit code, -1 if it was killed. */
    private static int runTo(List<String> cmd, Path directory, long limitSeconds)
            throws IOException, InterruptedException {
        Process p = start(cmd, directory);
        if (!p.waitFor(limitSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            return -1;
        }
        return p.exitValue();
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The command that starts a trainer JVM (without {@code setsid}). */
    static List<String> command(boolean aot, Path java, Path archive, Path temp, Path lock, String classPath,
                                String mainClass, String silencer, List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        // A small, quick JVM: it only starts two others and waits.
        cmd.addAll(List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(ArchiveTrainer.class.getName());
        cmd.add(aot ? "aot" : "appcds");
        cmd.add(java.toString());
        cmd.add(archive.toString());
        cmd.add(temp.toString());
        cmd.add(lock.toString());
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.add(silencer);
        cmd.addAll(options);
        return cmd;
    }
}
