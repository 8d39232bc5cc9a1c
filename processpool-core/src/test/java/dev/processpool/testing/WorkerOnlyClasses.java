package dev.processpool.testing;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Compiles classes at test time that only the workers get on their class path (the parent cannot load them). */
public final class WorkerOnlyClasses {

    private WorkerOnlyClasses() {
    }

    /**
     * Writes each source (keyed by the class's binary name) under {@code dir/src}, compiles them into
     * {@code dir/classes} and returns that directory.
     *
     * @throws IllegalStateException with javac's diagnostics if compilation fails or there is no javac
     */
    public static Path compile(Path dir, Map<String, String> sources) throws IOException {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> argv = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            argv.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no javac in this JVM: the tests need a JDK");
        }
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        if (javac.run(null, diagnostics, diagnostics, argv.toArray(new String[0])) != 0) {
            throw new IllegalStateException("javac failed: " + diagnostics.toString(StandardCharsets.UTF_8));
        }
        return classes;
    }
}
