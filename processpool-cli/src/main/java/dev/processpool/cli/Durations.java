package dev.processpool.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the CLI's durations: {@code 1.5s}, {@code 200ms}, {@code 2m}, {@code 1h}, {@code 0}. */
final class Durations {

    static final String EXAMPLES = "e.g. 1.5s, 200ms, 2m, 1h; 0 for none";

    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a duration with its unit.
     *
     * @throws IllegalArgumentException with a message that shows the accepted forms
     */
    static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing duration (" + EXAMPLES + ")");
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            String hint = t.matches("\\d+(\\.\\d+)?") ? " (a unit is required)" : "";
            throw new IllegalArgumentException("'" + text + "' is not a duration" + hint + "; " + EXAMPLES);
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long nanosPerUnit = switch (m.group(2)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** A short human form: {@code 850 ms}, {@code 1.25 s}, {@code 10 s}, {@code 3m05s}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return BigDecimal.valueOf(ms, 3).setScale(2, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                    .toPlainString() + " s";
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60);
    }

    static String formatMillis(long ms) {
        return format(Duration.ofMillis(ms));
    }
}
