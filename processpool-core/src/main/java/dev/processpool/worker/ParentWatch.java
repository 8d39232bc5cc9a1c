package dev.processpool.worker;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * The worker's end when its parent goes away. The reader thread calls {@link #parentGone()} at the channel's
 * end-of-file; the watcher thread ({@link #watch()}) sees the worker re-parented, checked every
 * {@value #PARENT_CHECK_MILLIS} ms. Either way the worker kills the processes its tasks started (its whole
 * process group, when it leads one; see {@link OwnProcessGroup}) and halts with {@value #EXIT_PARENT_GONE}.
 */
final class ParentWatch {

    /** Exit code when the parent went away. */
    static final int EXIT_PARENT_GONE = 3;
    /** How often the watcher checks that the parent is still there. */
    static final int PARENT_CHECK_MILLIS = 100;

    private ParentWatch() {
    }

    /**
     * Watches for re-parenting; never returns. The first look at the parent happens here, on the watcher's
     * thread, not in main(): the JDK's process API sets itself up on first use (an executor and its lambdas,
     * milliseconds on a fresh JVM), and the handshake need not wait for that.
     */
    static void watch() {
        ProcStat stat = ProcStat.open();
        long parentPid = stat != null ? stat.parentPid() : parentPid();
        try {
            while (true) {
                Thread.sleep(PARENT_CHECK_MILLIS);
                long now = stat != null ? stat.parentPid() : parentPid();
                if (now != parentPid) {
                    parentGone();
                }
            }
        } catch (InterruptedException e) {
            parentGone();
        }
    }

    /**
     * The parent is gone: take down what our tasks started, the whole process group included (see
     * {@link OwnProcessGroup}), and leave at once, without shutdown hooks.
     */
    static void parentGone() {
        OwnProcessGroup.killAll();
        Runtime.getRuntime().halt(EXIT_PARENT_GONE);
    }

    private static long parentPid() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        return parent == null ? -1L : parent.pid();
    }

    /**
     * The parent pid from {@code /proc/self/stat}, re-read into one buffer: the watch allocates nothing. (The
     * process API allocates about 100 bytes a call; ten calls a second filled an idle worker's young
     * generation, and so its resident memory, by some 56 MiB over a day.)
     */
    static final class ProcStat {
        private final RandomAccessFile file;
        private final byte[] buf = new byte[1024];

        private ProcStat(RandomAccessFile file) {
            this.file = file;
        }

        /** Null where there is no readable {@code /proc/self/stat} with a parent pid in it. */
        static ProcStat open() {
            try {
                ProcStat stat = new ProcStat(new RandomAccessFile("/proc/self/stat", "r"));
                return stat.parentPid() > 0 ? stat : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Field 4 of the stat line, after the command name in parentheses (which may hold anything). */
        long parentPid() {
            try {
                file.seek(0);
                int n = 0;
                int r;
                while (n < buf.length && (r = file.read(buf, n, buf.length - n)) > 0) {
                    n += r;
                }
                int i = n - 1;
                while (i >= 0 && buf[i] != ')') {
                    i--;
                }
                i += 4; // ") S " : state and its spaces
                long pid = 0;
                for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
                    pid = pid * 10 + (buf[i] - '0');
                }
                return pid;
            } catch (IOException e) {
                return -1;
            }
        }
    }
}
