package dev.processpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Java raw-pipe baseline of workload 5: this JVM writes {@code count} blocks of {@code bytes} to a child
 * JVM's stdin (a pipe), and the child reads them into a buffer and answers one byte on stdout when it has
 * them all. No framing, no serialisation: what moving the bytes costs two JVMs.
 * {@code PipeCopy --sink COUNT BYTES} is the child.
 */
public final class PipeCopy {

    private PipeCopy() {
    }

    /** Seconds from the first byte written to the child's answer; the child's start-up is not counted. */
    static double measure(String java, List<String> classPath, int count, int bytes)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", String.join(":", classPath),
                PipeCopy.class.getName(), "--sink", Integer.toString(count), Integer.toString(bytes))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            InputStream answer = p.getInputStream();
            if (answer.read() != 'R') {
                throw new IOException("pipe copy sink did not start");
            }
            byte[] block = new byte[bytes];
            Arrays.fill(block, (byte) 7);
            OutputStream out = p.getOutputStream();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                out.write(block);
            }
            out.flush();
            if (answer.read() != 'D') {
                throw new IOException("pipe copy sink did not read everything");
            }
            long t1 = System.nanoTime();
            out.close();
            return (t1 - t0) / 1e9;
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    public static void main(String[] argv) throws IOException {
        if (argv.length != 3 || !"--sink".equals(argv[0])) {
            System.err.println("usage: PipeCopy --sink COUNT BYTES  (started by Bench)");
            System.exit(2);
        }
        long expected = Long.parseLong(argv[1]) * Long.parseLong(argv[2]);
        byte[] buf = new byte[Integer.parseInt(argv[2])];
        InputStream in = System.in;
        OutputStream out = System.out;
        out.write('R');
        out.flush();
        long total = 0;
        int n;
        while (total < expected && (n = in.read(buf)) > 0) {
            total += n;
        }
        out.write(total == expected ? 'D' : 'X');
        out.flush();
    }
}
