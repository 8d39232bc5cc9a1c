package dev.processpool.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** This JVM's class path with every directory packed into a jar: class-data archives refuse directories. */
public final class JarClassPath {

    private JarClassPath() {
    }

    /** Packs each directory entry of {@code java.class.path} into a jar under {@code dir}; keeps the jars. */
    public static List<String> of(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.isEmpty()) {
                continue;
            }
            if (Files.isDirectory(p)) {
                Path jar = dir.resolve("classpath-" + (n++) + ".jar");
                pack(p, jar);
                out.add(jar.toAbsolutePath().toString());
            } else if (Files.isRegularFile(p)) {
                out.add(p.toAbsolutePath().toString());
            }
        }
        return out;
    }

    private static void pack(Path root, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isRegularFile(f)) {
                    out.putNextEntry(new JarEntry(root.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
    }
}
