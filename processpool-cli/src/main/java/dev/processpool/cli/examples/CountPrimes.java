package dev.processpool.cli.examples;

import java.util.concurrent.Callable;

/**
 * CPU-bound: counts the primes in {@code [from, to)} by trial division. Input line: {@code [0, 1000000]}.
 * Also usable as static-method tasks: {@code --task dev.processpool.cli.examples.CountPrimes::isPrime} with
 * lines like {@code [97]}, or {@code CountPrimes::count} with {@code [0, 1000]}.
 */
public final class CountPrimes implements Callable<Long> {

    private final long from;
    private final long to;

    public CountPrimes(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("expected 0 <= from <= to, got [" + from + ", " + to + ")");
        }
        this.from = from;
        this.to = to;
    }

    @Override
    public Long call() {
        return count(from, to);
    }

    /** The number of primes in {@code [from, to)}. */
    public static long count(long from, long to) {
        long n = 0;
        for (long i = Math.max(from, 2); i < to; i++) {
            if (isPrime(i)) {
                n++;
            }
        }
        return n;
    }

    /** Whether {@code n} is prime (trial division by 2, 3 and 6k ± 1). */
    public static boolean isPrime(long n) {
        if (n < 4) {
            return n >= 2;
        }
        if (n % 2 == 0 || n % 3 == 0) {
            return false;
        }
        for (long d = 5; d * d <= n; d += 6) {
            if (n % d == 0 || n % (d + 2) == 0) {
                return false;
            }
        }
        return true;
    }
}
