package dev.processpool.bench;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Class-data caches for the worker JVMs of workload 4: an AppCDS dynamic archive on JDK 17+
 * ({@code -XX:ArchiveClassesAtExit}, then {@code -XX:SharedArchiveFile}) and the JDK 25 AOT cache
 * ({@code -XX:AOTCacheOutput}, then {@code -XX:AOTCache}). Each is trained by a one-worker pool that runs a
 * few tasks and shuts down politely (the archive is written when the worker JVM exits normally), then checked
 * by a JVM that must use it ({@code -Xshare:on} / {@code -XX:AOTMode=on}).
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

    /** A trained cache: the options that use it, or why there is none. */
    static final class Result {
        final List<String> useOptions;
        final String problem;
        final double trainSeconds;

        Result(List<String> useOptions, String problem, double trainSeconds) {
            this.useOptions = useOptions;
            this.problem = problem;
            this.trainSeconds = trainSeconds;
        }

        boolean ok() {
            return useOptions != null;
        }
    }

    /** AppCDS dynamic archive (JDK 13+). */
    static Result appCds(Path java, List<String> classPath, List<String> baseOptions, Path file) {
        return train(java, classPath, baseOptions, file, "-XX:ArchiveClassesAtExit=" + file,
                List.of("-XX:SharedArchiveFile=" + file), List.of("-Xshare:on", "-XX:SharedArchiveFile=" + file));
    }

    /** JDK 25 AOT cache (JEP 483/514). */
    static Result aotCache(Path java, List<String> classPath, List<String> baseOptions, Path file) {
        // The AOT options refuse to be combined with any -Xshare option.
        List<String> opts = new ArrayList<>(baseOptions);
        opts.removeIf(o -> o.startsWith("-Xshare"));
        return train(java, classPath, opts, file, "-XX:AOTCacheOutput=" + file,
                List.of("-XX:AOTCache=" + file), List.of("-XX:AOTMode=on", "-XX:AOTCache=" + file));
    }

    private static Result train(Path java, List<String> classPath, List<String> baseOptions, Path file,
                                String trainOption, List<String> useOptions, List<String> strictOptions) {
        long t0 = System.nanoTime();
        try {
            Files.deleteIfExists(file);
            Files.createDirectories(file.getParent());
            List<String> opts = new ArrayList<>(baseOptions);
            opts.add(trainOption);
            PoolConfig cfg = PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0)
                    .javaExecutable(java).classPath(classPath).jvmOptions(opts)
                    .terminationGrace(Duration.ofMinutes(3)).workerStartTimeout(Duration.ofMinutes(2)).build();
            ProcessPool pool = new ProcessPool(cfg);
            try {
                // What a worker does around its first result: the handshake, a function task, a result.
                for (int i = 0; i < 50; i++) {
                    pool.createAndQueueTask(Tasks.noop()).future().get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdown(Duration.ofMinutes(3));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                return new Result(null, "training wrote no " + file.getFileName(), seconds);
            }
            // Check that a JVM really uses it with this class path (a mismatch would silently fall back).
            List<String> check = new ArrayList<>();
            check.add(java.toString());
            check.addAll(baseOptions);
            check.removeIf(o -> o.startsWith("-Xshare"));
            check.addAll(strictOptions);
            check.add("-cp");
            check.add(String.join(File.pathSeparator, classPath));
            check.add(Busy.class.getName());
            check.add("1");
            check.add("1");
            Process p = new ProcessBuilder(check).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return new Result(null, "the JVM refused the trained cache: " + out.trim(), seconds);
            }
            List<String> use = new ArrayList<>(baseOptions);
            use.addAll(useOptions);
            return new Result(use, null, seconds);
        } catch (Exception e) {
            return new Result(null, "training failed: " + e, (System.nanoTime() - t0) / 1e9);
        }
    }
}
