package dev.processpool.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The class-data archive of the command's own JVM (JDK 17+ AppCDS, dynamic). {@code bin/processpool} keeps it
 * in the class-data cache directory, named by a checksum of the jar (path, size, time), the JVM (path, size
 * and time of its {@code lib/modules}) and the parent's JVM options; it starts the JVM with it when it exists
 * ({@code -XX:SharedArchiveFile}, its log silenced, so that a stale or damaged archive is ignored without a
 * word on stdout), and otherwise with {@code -XX:+RecordDynamicDumpInfo} and the archive's path, without its
 * size and suffix, in the system property {@value #PROPERTY}. The file's name ends in its size
 * ({@code cli-<checksum>-<bytes>.jsa}): the launcher uses it only while the size is right, because a truncated
 * archive crashes a JDK 17 JVM at start-up instead of being ignored. Then, once a run has ended well and written all its output, {@link #dump()}
 * has this JVM write the archive of the classes it loaded ({@code VM.cds dynamic_dump}) under a temporary
 * name, has a JVM map it ({@code -Xshare:on}: a damaged dynamic archive crashes a JDK 17 JVM instead of being
 * ignored) and only then renames it into place: a dump cut short (the process killed, a full disk) is never
 * used. Later runs load those
 * classes from it: the parent used 1.6 s of CPU over 200,000 lines with it against 1.9 s without.
 */
final class ParentArchive {

    /** The system property naming the archive to write, set by {@code bin/processpool}. */
    static final String PROPERTY = "processpool.cli.archive";

    /** Set once a local run has ended well: only such a run has loaded what later runs load. */
    private static volatile boolean runEndedWell;

    private ParentArchive() {
    }

    /** A local run read its input, ran its tasks and wrote every output line: its classes are worth keeping. */
    static void runEndedWell() {
        runEndedWell = true;
    }

    /** Whether a JVM of this Java, on this class path, starts with the archive mapped (and nothing else). */
    private static boolean maps(Path archive) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:disable", "-cp",
                System.getProperty("java.class.path"), "-version")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return false;
        }
        return p.exitValue() == 0;
    }

    private static Object diagnosticCommand(String operation, String... arguments) throws Exception {
        return ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
    }

    /**
     * Links every class this JVM has loaded that can be found by its name ({@code VM.class_hierarchy} lists
     * them), without initialising any. JDK 17's dynamic dump leaves out each class that was loaded but never
     * linked: classes the verifier loaded to check another class's code, such as most of picocli's exception
     * classes. Later runs then loaded them from the jar and the runtime image, because the archived classes'
     * verification constraints load them again: 148 classes of a run's 1,993 before this. HotSpot links a
     * class before it lists its methods.
     */
    static void linkLoadedClasses() throws Exception {
        ClassLoader loader = ParentArchive.class.getClassLoader();
        for (String line : ((String) diagnosticCommand("vmClassHierarchy")).split("\n")) {
            String name = classNameOf(line);
            if (name == null) {
                continue;
            }
            try {
                Class.forName(name, false, loader).getDeclaredMethods();
            } catch (Throwable e) {
                // hidden, not visible from here, or it does not link: the dump leaves it out, as before
            }
        }
    }

    /**
     * The class a line of {@code VM.class_hierarchy} names ({@code |  |--java.util.HashMap/null},
     * {@code |--dev.processpool.cli.Main/0x0000000801000a00 (intf)}), or null for a line that names none.
     */
    static String classNameOf(String line) {
        int start = 0;
        while (start < line.length() && "| -".indexOf(line.charAt(start)) >= 0) {
            start++;
        }
        int end = line.indexOf('/', start);
        if (end <= start) {
            return null;
        }
        String name = line.substring(start, end);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!Character.isJavaIdentifierPart(c) && c != '.') {
                return null;
            }
        }
        return name;
    }

    /** Writes the archive if the launcher asked for one and none is there yet; silent and harmless on failure. */
    static void dump() {
        String target = System.getProperty(PROPERTY);
        if (!runEndedWell || target == null || target.isBlank()) { // not after --help, a usage error, a failure
            return;
        }
        Path prefix = Path.of(target);
        Path dir = prefix.toAbsolutePath().getParent();
        String name = prefix.getFileName().toString();
        Path temp = dir.resolve(name + "." + ProcessHandle.current().pid() + ".tmp");
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            if (files.anyMatch(f -> f.getFileName().toString().startsWith(name + "-"))) {
                return; // another run wrote it meanwhile
            }
            linkLoadedClasses();
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                // the JDK's dump prints "Dynamic dump to file ..." on System.out, which may be the run's output
                diagnosticCommand("vmCds", "dynamic_dump", temp.toString());
            } finally {
                System.setOut(out);
            }
            if (Files.isRegularFile(temp) && Files.size(temp) > 0 && maps(temp)) {
                Files.move(temp, dir.resolve(name + "-" + Files.size(temp) + ".jsa"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            // no archive this time: the next run asks again
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (Throwable ignored) {
                // a stray temporary file is harmless
            }
        }
    }
}
