package dev.processpool.cli.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Allocates until the worker's heap ({@code --worker-heap}, 256m by default) is exhausted: the line gets
 * status {@code error} with {@code java.lang.OutOfMemoryError}, and the worker, whose JVM may now be in a bad
 * state, is replaced. Input line: {@code [16]} (megabytes per allocation).
 */
public final class ExhaustHeap implements Callable<Integer> {

    private final int chunkMegabytes;

    public ExhaustHeap(int chunkMegabytes) {
        this.chunkMegabytes = Math.max(1, chunkMegabytes);
    }

    @Override
    public Integer call() {
        List<byte[]> hoard = new ArrayList<>();
        while (true) {
            hoard.add(new byte[chunkMegabytes << 20]);
            if (hoard.size() == Integer.MAX_VALUE) {
                return hoard.size(); // never: keeps the compiler and the optimiser honest
            }
        }
    }
}
