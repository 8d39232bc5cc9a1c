package dev.processpool.bench;

/**
 * A bare busy process for workload 6's baseline: {@code Busy <iterations> <units>} runs {@code units} times
 * {@link Tasks#spin}{@code (iterations)} and exits. Two of these, one after the other and then at the same
 * time, give the speed-up this machine offers two processes.
 */
public final class Busy {

    private Busy() {
    }

    public static void main(String[] argv) {
        long iterations = Long.parseLong(argv[0]);
        int units = Integer.parseInt(argv[1]);
        long sink = 0;
        for (int u = 0; u < units; u++) {
            sink += Tasks.spin(iterations);
        }
        if (sink == 42) {
            System.out.println();  // keeps the loop's result alive
        }
    }
}
