package dev.processpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API is sealed by the module {@code dev.processpool} (module-info.java): consumers on the module
 * path are compiled here, against the core's compiled classes, as javac would compile them in a user's build;
 * only {@code dev.processpool} can be imported, the project's own modules reach what they are exported to, and
 * a modular application runs tasks in workers (on a plain class path) but cannot reach the internals by
 * reflection either.
 */
class ModuleSealTest {

    private static Path location(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The core's module (its compiled classes, module-info.class among them) and slf4j-api: the module path. */
    private static String corePath() {
        assertThat(location(ProcessPool.class).resolve("module-info.class")).exists();
        return location(ProcessPool.class) + File.pathSeparator + location(org.slf4j.Logger.class);
    }

    /** Writes a module's sources under {@code dir/src} and compiles them to {@code dir/out}; the diagnostics. */
    private static List<String> compile(Path dir, String module, String... classes) throws IOException {
        Path src = dir.resolve("src");
        List<Path> files = new ArrayList<>();
        files.add(write(src.resolve("module-info.java"), "module " + module + " { requires dev.processpool; }"));
        for (String c : classes) {
            String pkg = c.replaceAll("(?s).*?package ([a-z.]+);.*", "$1");
            String name = c.replaceAll("(?s).*?(class|record) ([A-Za-z]+).*", "$2");
            files.add(write(src.resolve(pkg.replace('.', '/')).resolve(name + ".java"), c));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            // an empty class path: javac would take this JVM's otherwise, where the core is an unnamed module
            Path empty = Files.createDirectories(dir.resolve("empty"));
            List<String> options = List.of("--release", "17", "--module-path", corePath(), "--class-path",
                    empty.toString(), "-d", dir.resolve("out").toString());
            javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
        }
        return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.toList());
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @Test
    void aModuleThatRequiresTheCoreCompilesAgainstItsPublicApi(@TempDir Path dir) throws IOException {
        List<String> errors = compile(dir, "app", """
                package app;
                import dev.processpool.PoolConfig;
                import dev.processpool.ProcessPool;
                import dev.processpool.ProcessTask;
                import dev.processpool.TaskException;
                public class Use {
                    static ProcessTask task() {
                        return ProcessTask.builder((args, kwargs) -> 1).build();
                    }
                    static Class<?>[] types() {
                        return new Class<?>[] {ProcessPool.class, PoolConfig.class, TaskException.class};
                    }
                }
                """);
        assertThat(errors).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"internal, PoolEngine", "transport, WorkerTransport", "protocol, Frame", "worker, WorkerMain",
                "logging, Logs"})
    void aModuleCannotImportThePoolsRooms(String room, String type, @TempDir Path dir) throws IOException {
        List<String> errors = compile(dir, "app", """
                package app;
                import dev.processpool.%s.%s;
                public class Reach {
                    static Class<?> it() {
                        return %s.class;
                    }
                }
                """.formatted(room, type, type));
        assertThat(errors).isNotEmpty().anyMatch(e -> e.contains("package dev.processpool." + room + " is not visible")
                && e.contains("does not export it"));
    }

    @Test
    void theQualifiedExportsReachOnlyTheModulesTheyName(@TempDir Path dir) throws IOException {
        assertThat(compile(dir.resolve("cli"), "dev.processpool.cli", """
                package dev.processpool.cli;
                import dev.processpool.logging.Logs;
                import dev.processpool.worker.ArgumentConversion;
                import dev.processpool.worker.WorkerMain;
                public class Cli {
                    static Class<?>[] types() {
                        return new Class<?>[] {Logs.class, ArgumentConversion.class, WorkerMain.class};
                    }
                }
                """)).isEmpty();
        assertThat(compile(dir.resolve("bench"), "dev.processpool.bench", """
                package dev.processpool.bench;
                import dev.processpool.protocol.Frame;
                public class Bench {
                    static Class<?> type() {
                        return Frame.class;
                    }
                }
                """)).isEmpty();
        assertThat(compile(dir.resolve("hazelcast"), "dev.processpool.hazelcast", """
                package dev.processpool.hazelcast;
                import dev.processpool.internal.TaskAccess;
                import dev.processpool.logging.Logs;
                public class Cluster {
                    static Class<?>[] types() {
                        return new Class<?>[] {TaskAccess.class, Logs.class};
                    }
                }
                """)).isEmpty();
        assertThat(compile(dir.resolve("cli-internal"), "dev.processpool.cli", """
                package dev.processpool.cli;
                import dev.processpool.internal.TaskAccess;
                public class Cli {
                    static Class<?> type() {
                        return TaskAccess.class;
                    }
                }
                """)).anyMatch(e -> e.contains("package dev.processpool.internal is not visible"));
        assertThat(compile(dir.resolve("bench-worker"), "dev.processpool.bench", """
                package dev.processpool.bench;
                import dev.processpool.worker.ArgumentConversion;
                public class Bench {
                    static Class<?> type() {
                        return ArgumentConversion.class;
                    }
                }
                """)).anyMatch(e -> e.contains("package dev.processpool.worker is not visible"));
    }

    @Test
    void aModularApplicationRunsItsTasksInWorkersAndCannotReachTheInternalsByReflection(@TempDir Path dir)
            throws Exception {
        assertThat(compile(dir, "app", """
                package app;
                import dev.processpool.PoolConfig;
                import dev.processpool.ProcessPool;
                import dev.processpool.ProcessTask;
                import java.time.Duration;
                public class Main {
                    public static void main(String[] args) throws Exception {
                        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
                            ProcessTask t = pool.createAndQueueTask((a, k) -> "answer " + ((Integer) a.get(0) + 1)
                                    + " from " + Main.class.getModule(), 41);
                            System.out.println(t.future().get(60, java.util.concurrent.TimeUnit.SECONDS));
                        }
                        java.lang.reflect.Method of = Class.forName("dev.processpool.internal.EngineListener$Outcome")
                                .getMethod("of", dev.processpool.TaskException.class);
                        try {
                            System.out.println("reflection reached " + of.invoke(null, (Object) null));
                        } catch (IllegalAccessException e) {
                            System.out.println("reflection refused: " + e.getClass().getSimpleName());
                        }
                        try {
                            of.setAccessible(true);
                            System.out.println("setAccessible allowed");
                        } catch (RuntimeException e) {
                            System.out.println("setAccessible refused: " + e.getClass().getSimpleName());
                        }
                    }
                }
                """)).isEmpty();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--module-path", corePath() + File.pathSeparator + dir.resolve("out"),
                "-m", "app/app.Main").redirectErrorStream(true).start();
        try {
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            // the lambda ran in a worker, where the application's module is a plain class path entry
            assertThat(out).contains("answer 42 from unnamed module", "reflection refused: IllegalAccessException",
                    "setAccessible refused: InaccessibleObjectException");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** The worker JVMs of a modular application get its module path as their class path. */
    @Test
    void theDefaultWorkerClassPathHoldsTheModulePathEntries(@TempDir Path dir) throws IOException {
        Path mods = Files.createDirectories(dir.resolve("mods"));
        Path a = Files.createFile(mods.resolve("a.jar"));
        Path b = Files.createFile(mods.resolve("b.jar"));
        Path exploded = Files.createDirectories(dir.resolve("exploded"));
        Files.createFile(exploded.resolve("module-info.class"));
        String saved = System.getProperty("jdk.module.path");
        try {
            System.setProperty("jdk.module.path", String.join(File.pathSeparator, mods.toString(), exploded.toString()));
            List<String> cp = PoolConfig.builder().build().getClassPath();
            assertThat(cp).containsSubsequence(a.toString(), b.toString(), exploded.toString())
                    .doesNotContain(mods.toString());
            try (Stream<String> own = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))) {
                assertThat(cp).startsWith(own.filter(e -> !e.isEmpty()).distinct().toArray(String[]::new));
            }
        } finally {
            if (saved == null) {
                System.clearProperty("jdk.module.path");
            } else {
                System.setProperty("jdk.module.path", saved);
            }
        }
    }
}
