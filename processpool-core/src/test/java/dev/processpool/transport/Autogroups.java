package dev.processpool.transport;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/** What this machine's kernel lets the tests see and do with scheduler autogroups. */
final class Autogroups {

    private static final int CAP_SYS_ADMIN = 21;

    private Autogroups() {
    }

    /** Whether the kernel groups each session's processes ({@code kernel.sched_autogroup_enabled}). */
    static boolean on() {
        try {
            return read("/proc/sys/kernel/sched_autogroup_enabled").strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether this process may write autogroup nice values at any rate: without {@code CAP_SYS_ADMIN} the
     * kernel takes one write per 100 ms machine-wide and refuses the rest, so a test cannot count on its own.
     */
    static boolean writesUnlimited() {
        try {
            for (String line : read("/proc/self/status").split("\n")) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring("CapEff:".length()).strip(), 16).testBit(CAP_SYS_ADMIN);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    static String read(String path) throws IOException {
        return Files.readString(Paths.get(path), StandardCharsets.US_ASCII);
    }
}
