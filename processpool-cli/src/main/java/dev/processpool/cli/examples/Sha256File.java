package dev.processpool.cli.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * I/O-bound: the SHA-256 of a file, streamed. Input line: {@code ["path/to/file"]} (relative paths are
 * resolved against the directory the CLI was started in). Result: {@code {"path", "bytes", "sha256"}}. A
 * missing file fails the line with {@code java.nio.file.NoSuchFileException}.
 */
public final class Sha256File implements Callable<Map<String, Object>> {

    private final Path path;

    public Sha256File(Path path) {
        this.path = path;
    }

    @Override
    public Map<String, Object> call() throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(path)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                bytes += n;
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("path", path.toString());
        result.put("bytes", bytes);
        result.put("sha256", HexFormat.of().formatHex(digest.digest()));
        return result;
    }
}
