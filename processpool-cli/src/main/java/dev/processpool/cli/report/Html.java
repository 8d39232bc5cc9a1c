package dev.processpool.cli.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes HTML: markup as given, text and attribute values escaped. Everything that comes from the run
 * (ids, messages, types, settings) goes through {@link #text}; it can hold any characters, hostile ones
 * included.
 */
final class Html {

    private final Writer out;

    Html(Writer out) {
        this.out = out;
    }

    /** Markup, written as it is: only constants and numbers of our own. */
    Html raw(String markup) {
        try {
            out.write(markup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Text or an attribute value, escaped. */
    Html text(String s) {
        return raw(escape(s));
    }

    /** {@code <tag attributes>text</tag>}, the text escaped. */
    Html element(String tag, String attributes, String text) {
        raw("<").raw(tag).raw(attributes.isEmpty() ? "" : " " + attributes).raw(">");
        return text(text).raw("</").raw(tag).raw(">");
    }

    /**
     * Escapes {@code & < > " '}, so the result is safe as element text and in a quoted attribute value;
     * control characters other than tab, newline and carriage return (which HTML cannot carry, or which could confuse a
     * reader) become U+FFFD, as do unpaired surrogates. {@code null} becomes an empty string.
     */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r;
            switch (c) {
                case '&': r = "&amp;"; break;
                case '<': r = "&lt;"; break;
                case '>': r = "&gt;"; break;
                case '"': r = "&quot;"; break;
                case '\'': r = "&#39;"; break;
                default:
                    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c < 0xa0)
                            || (Character.isHighSurrogate(c) && (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))))
                            || (Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1))))) {
                        r = "\uFFFD";
                    } else {
                        r = null;
                    }
            }
            if (r != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                sb.append(r);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** A coordinate for SVG: one decimal, no exponent. */
    static String num(double v) {
        return decimals(v, 1);
    }

    /**
     * {@code v} rounded to {@code places} decimals (0 to 3), without an exponent. Written by hand:
     * {@code String.format} builds locale symbols each time, which a page of 100,000 tasks calls for by the
     * ten thousand.
     */
    static String decimals(double v, int places) {
        long scale = places == 0 ? 1 : places == 1 ? 10 : places == 2 ? 100 : 1000;
        long scaled = Math.round(Math.abs(v) * scale);
        StringBuilder sb = new StringBuilder(12);
        if (v < 0 && scaled != 0) {
            sb.append('-');
        }
        sb.append(scaled / scale);
        if (places > 0) {
            String fraction = Long.toString(scale + scaled % scale);
            sb.append('.').append(fraction, 1, fraction.length());
        }
        return sb.toString();
    }

    /** A duration from nanoseconds: {@code 850 ns}, {@code 12.3 µs}, {@code 4.56 ms}, {@code 1.23 s}, {@code 2 min 03 s}. */
    static String duration(long nanos) {
        if (nanos < 0) {
            return "–";
        }
        if (nanos == 0) {
            return "0";
        }
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return threeDigits(nanos / 1e3) + " µs";
        }
        if (nanos < 1_000_000_000) {
            return threeDigits(nanos / 1e6) + " ms";
        }
        if (nanos < 60_000_000_000L) {
            return threeDigits(nanos / 1e9) + " s";
        }
        long s = nanos / 1_000_000_000L;
        if (s < 3600) {
            return s / 60 + " min " + twoDigits(s % 60) + " s";
        }
        return s / 3600 + " h " + twoDigits((s / 60) % 60) + " min";
    }

    private static String threeDigits(double v) {
        return decimals(v, v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2);
    }

    private static String twoDigits(long v) {
        return v < 10 ? "0" + v : Long.toString(v);
    }

    /** A count with thousands separators: {@code 100,000}. */
    static String count(long n) {
        String digits = Long.toString(Math.abs(n));
        StringBuilder sb = new StringBuilder(digits.length() + digits.length() / 3 + 1);
        if (n < 0) {
            sb.append('-');
        }
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && (digits.length() - i) % 3 == 0) {
                sb.append(',');
            }
            sb.append(digits.charAt(i));
        }
        return sb.toString();
    }
}
