package dev.processpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class LineFileTest {

    @Test
    void aDeviceIsWrittenAsAStreamNeitherEmptiedNorForced() throws Exception {
        Path devNull = Path.of("/dev/null");
        assumeThat(Files.exists(devNull)).as("a system with /dev/null").isTrue();
        for (boolean append : new boolean[] {false, true}) {
            try (LineFile f = LineFile.open(devNull, append)) {
                byte[] line = LineFile.bytes("{\"id\":1}");
                f.write(line, 0, line.length);
                f.sync();
                f.syncIfDue();
            }
        }
    }

    @Test
    void aRegularFileIsEmptiedUnlessAppendedTo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.jsonl");
        Files.writeString(out, "old\n");
        try (LineFile f = LineFile.open(out, true)) {
            byte[] line = LineFile.bytes("appended");
            f.write(line, 0, line.length);
        }
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("old\nappended\n");
        try (LineFile f = LineFile.open(out, false)) {
            byte[] line = LineFile.bytes("new");
            f.write(line, 0, line.length);
            f.sync();
        }
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("new\n");
    }
}
