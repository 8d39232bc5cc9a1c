package dev.processpool.bench;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Class-data caches for the worker JVMs of workload 4, made and used by the pool itself
 * ({@link PoolConfig.Builder#classDataCache}): an AppCDS dynamic archive for a JDK 17 worker, an AOT cache for
 * a JDK 25 one. What is measured is what a user of the option gets.
 *
 * <p>Both refuse a directory on the class path, so {@link #jarClassPath} packs directories into jars.
 */
final class ClassDataCache {

    private ClassDataCache() {
    }

    /** This JVM's class path with every directory packed into a jar under {@code dir}. */
    static List<String> jarClassPath(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                Path jar = dir.resolve("classpath-" + (n++) + "-" + p.getFileName() + ".jar");
                packDirectory(p, jar);
                out.add(jar.toAbsolutePath().toString());
            } else if (Files.isRegularFile(p)) {
                out.add(p.toAbsolutePath().toString());
            }
        }
        return out;
    }

    private static void packDirectory(Path root, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (!Files.isRegularFile(f)) {
                    continue;
                }
                String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                out.putNextEntry(new JarEntry(name));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    /** A trained cache: the archive and the options a JVM uses it with, or why there is none. */
    static final class Result {
        final Path archive;
        final List<String> useOptions;
        final String problem;
        final double trainSeconds;

        Result(Path archive, List<String> useOptions, String problem, double trainSeconds) {
            this.archive = archive;
            this.useOptions = useOptions;
            this.problem = problem;
            this.trainSeconds = trainSeconds;
        }

        boolean ok() {
            return archive != null;
        }
    }

    /**
     * Has the pool's own class-data cache ({@link PoolConfig#getClassDataCache()}, which must be set and
     * should be empty) trained: one pool runs a task and shuts down, which starts the training JVM in the
     * background; then waits for the archive to be in place. {@code useOptions} are what the pool adds to the
     * JVM options of its workers, for the bare-JVM baseline.
     */
    static Result train(PoolConfig cfg) {
        long t0 = System.nanoTime();
        Path dir = cfg.getClassDataCache();
        try {
            try (ProcessPool pool = new ProcessPool(cfg.toBuilder().minSize(1).maxSize(1).build())) {
                pool.createAndQueueTask(Tasks.noop()).future().get(2, TimeUnit.MINUTES);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            Path archive = null;
            while (System.nanoTime() < deadline) {
                archive = archiveIn(dir);
                if (archive != null && !hasLock(dir)) {
                    break;
                }
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (archive == null) {
                return new Result(null, null, "no archive in " + dir + " after " + Math.round(seconds) + " s", seconds);
            }
            List<String> use = new ArrayList<>();
            boolean aot = archive.getFileName().toString().endsWith(".aot");
            use.add(aot ? "-Xlog:aot*=off,cds*=off" : "-Xlog:cds*=off");
            for (String o : cfg.getJvmOptions()) {
                if (!(aot && o.startsWith("-Xshare"))) {
                    use.add(o);
                }
            }
            use.add((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
            return new Result(archive, use, null, seconds);
        } catch (Exception e) {
            return new Result(null, null, "training failed: " + e, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static Path archiveIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("worker-")
                            && !p.getFileName().toString().startsWith("worker-training-")
                            && (p.toString().endsWith(".jsa") || p.toString().endsWith(".aot")))
                    .findFirst().orElse(null);
        }
    }

    private static boolean hasLock(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".lock"));
        }
    }

    /** Deletes a cache directory's files, so that a run measures a cache it trained itself. */
    static void clear(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
