package dev.processpool.cli;

import dev.processpool.worker.WorkerMain;

/**
 * The main class of the CLI's worker JVMs; runs the core's {@link WorkerMain}. With {@code --train} (a
 * class-data archive's training, see {@code --class-data-cache}) it first runs {@link CliTraining}, then the
 * core's training.
 *
 * <p>Jackson's set-up costs a worker about a tenth of a second of CPU even from a class-data archive (much of
 * it {@code ObjectMapper}'s date formats), and many runs never need it: a line of the common shape, with a
 * number, boolean or null result, goes the quick way ({@link FastLine}). So a worker sets Jackson up on first
 * use, and a task's reported duration leaves the set-up out ({@link Json#setupNanos()}). A task's timeout,
 * though, runs from the moment it starts on its worker: where timeouts are set for the run ({@code --timeout},
 * {@code --soft-timeout}) and for a cluster member, whose tasks may have any, the parent asks for the set-up
 * before the worker connects ({@value #EAGER_JSON}), so that it counts against the worker's start, never
 * against a task's timeout.
 */
public final class CliWorkerMain {

    /** The system property (true) that asks a worker to set Jackson up before it connects. */
    static final String EAGER_JSON = "processpool.cli.eagerJson";

    private CliWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (WorkerMain.isTraining(args)) {
            CliTraining.run();
            WorkerMain.main(args);
            return;
        }
        if (Boolean.getBoolean(EAGER_JSON)) {
            try {
                Json.mapper().writeValueAsString(java.util.Map.of("warm", java.util.List.of(1, 2.5, "up")));
                Json.mapper().readTree("{\"warm\": [1, 2.5, \"up\"]}");
            } catch (RuntimeException | java.io.IOException e) {
                // the first task will say what is wrong
            }
        }
        Thread warm = new Thread(new WarmUp(), "processpool-warm-up");
        warm.setDaemon(true);
        warm.start();
        WorkerMain.main(args);
    }

    /**
     * While the worker connects (its main thread and the socket's opener wait on each other and on the
     * parent), sets up on a thread of its own what its first task then needs whatever it is: the JDK's
     * serialisation filter configuration (it looks up a System.Logger, scanning the class path for a logger
     * finder), the class descriptor of the task function's wire form, and the parsing of a JDK method's
     * annotations (the first Method.invoke of a JDK method asks whether it is caller-sensitive, which parses
     * them and spins a proxy class per annotation type).
     */
    private static final class WarmUp implements Runnable {
        @Override
        public void run() {
            try {
                // first: the opener's Unix-domain socket needs it too (its class asks for a SecureRandom)
                java.security.SecureRandom.getInstance("NativePRNGNonBlocking");
            } catch (Throwable e) {
                // not on this platform: the socket's class finds another
            }
            try {
                java.io.ObjectInputFilter.Config.getSerialFilter();
                java.io.ObjectStreamClass.lookup(FunctionWire.class);
                Object.class.getMethod("hashCode").getDeclaredAnnotations(); // @IntrinsicCandidate, as many have
            } catch (Throwable e) {
                // only a head start: the first task does it all again, and says what failed
            }
        }
    }
}
