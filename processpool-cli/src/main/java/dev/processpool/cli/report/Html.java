package dev.processpool.cli.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Locale;

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
        long tenths = Math.round(v * 10);
        long whole = tenths / 10;
        long tenth = Math.abs(tenths % 10);
        return (tenths < 0 && whole == 0 ? "-" : "") + whole + "." + tenth;
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
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s / 60) % 60);
    }

    private static String threeDigits(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    /** A count with thousands separators: {@code 100,000}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
