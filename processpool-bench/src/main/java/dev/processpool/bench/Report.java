package dev.processpool.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders the rows: a text (Markdown) table, JSON and an SVG bar chart. */
final class Report {

    private final List<String> header;
    private final List<Row> rows;

    Report(List<String> header, List<Row> rows) {
        this.header = header;
        this.rows = rows;
    }

    // =============================================================================================== text

    String text() {
        StringBuilder b = new StringBuilder();
        for (String h : header) {
            b.append(h).append('\n');
        }
        b.append('\n');
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"workload", "metric", "processpool median [min–max]", "PPE", "mp.Pool", "baseline",
            "ratio(s) pp/peer", "target", "met?"});
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            String wl = r.workload + " " + r.title;
            String metric = r.metric.equals(r.unit) ? r.metric : r.metric + " (" + r.unit + ")";
            String pp = r.hasPp() ? cell(r.pp) : "n/a" + noteRef(notes, r.ppNote);
            String ppe = peerCell(r, Row.PPE);
            String mp = peerCell(r, Row.MP);
            List<String> base = new ArrayList<>();
            for (Map.Entry<String, Stats> e : r.baselines.entrySet()) {
                base.add(e.getKey() + " " + cell(e.getValue()));
            }
            List<String> ratios = new ArrayList<>();
            for (Map.Entry<String, Double> e : r.ratios().entrySet()) {
                ratios.add(shortName(e.getKey()) + " " + String.format(Locale.ROOT, "%.2f", e.getValue()));
            }
            Boolean met = r.met();
            String metText = r.target.isEmpty() ? "" : met == null ? "?" : met ? "yes" : "NO";
            StringBuilder rowNotes = new StringBuilder();
            for (String n : r.notes) {
                rowNotes.append(noteRef(notes, n));
            }
            table.add(new String[] {wl + rowNotes, metric, pp, ppe, mp, String.join("; ", base),
                String.join(", ", ratios), r.target, metText});
        }
        int[] w = new int[table.get(0).length];
        for (String[] line : table) {
            for (int i = 0; i < line.length; i++) {
                w[i] = Math.max(w[i], line[i].length());
            }
        }
        for (int k = 0; k < table.size(); k++) {
            String[] line = table.get(k);
            b.append('|');
            for (int i = 0; i < line.length; i++) {
                b.append(' ').append(pad(line[i], w[i])).append(" |");
            }
            b.append('\n');
            if (k == 0) {
                b.append('|');
                for (int i = 0; i < line.length; i++) {
                    b.append(i >= 2 && i <= 6 ? "-".repeat(w[i] + 1) + ":|" : "-".repeat(w[i] + 2) + "|");
                }
                b.append('\n');
            }
        }
        b.append("\nratio(s): processpool's median / the peer's or baseline's median; it favours processpool below 1 for "
                + "times and memory (lower is better), above 1 for rates and speed-ups (higher is better).\n");
        if (!notes.isEmpty()) {
            b.append('\n');
            for (int i = 0; i < notes.size(); i++) {
                b.append('[').append(i + 1).append("] ").append(notes.get(i)).append('\n');
            }
        }
        return b.toString();
    }

    private static String noteRef(List<String> notes, String note) {
        if (note == null || note.isEmpty()) {
            return "";
        }
        int i = notes.indexOf(note);
        if (i < 0) {
            notes.add(note);
            i = notes.size() - 1;
        }
        return " [" + (i + 1) + "]";
    }

    private static String peerCell(Row r, String key) {
        Stats s = r.peers.get(key);
        String q = r.peerQualifiers.get(key);
        if (s == null) {
            return r.peerNotes.getOrDefault(key, "—");
        }
        return cell(s) + (q == null ? "" : " " + q);
    }

    private static String shortName(String key) {
        switch (key) {
            case Row.PPE: return "PPE";
            case Row.MP: return "mp";
            default: return key;
        }
    }

    static String cell(Stats s) {
        if (s.values.length == 1) {
            return fmt(s.median());
        }
        return fmt(s.median()) + " [" + fmt(s.min()) + "–" + fmt(s.max()) + "]";
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    // =============================================================================================== JSON

    Map<String, Object> json(Map<String, Object> machine, Map<String, Object> config, Map<String, Object> extra,
                             Map<String, Object> pythonRaw, Map<String, String> pythonErrors) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("config", config);
        List<Object> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload);
            m.put("title", r.title);
            m.put("metric", r.metric);
            m.put("unit", r.unit);
            m.put("better", r.higherIsBetter ? "higher" : "lower");
            m.put("processpool", r.hasPp() ? stats(r.pp) : null);
            if (!r.hasPp()) {
                m.put("processpool_note", r.ppNote);
            }
            Map<String, Object> peers = new LinkedHashMap<>();
            for (Map.Entry<String, Stats> e : r.peers.entrySet()) {
                Map<String, Object> s = stats(e.getValue());
                if (r.peerQualifiers.containsKey(e.getKey())) {
                    s.put("variant", r.peerQualifiers.get(e.getKey()));
                }
                peers.put(e.getKey(), s);
            }
            m.put("peers", peers);
            Map<String, Object> base = new LinkedHashMap<>();
            for (Map.Entry<String, Stats> e : r.baselines.entrySet()) {
                base.put(e.getKey(), stats(e.getValue()));
            }
            m.put("baselines", base);
            m.put("ratios", r.ratios());
            m.put("target", r.target.isEmpty() ? null : r.target);
            m.put("met", r.met());
            m.put("notes", r.notes);
            out.add(m);
        }
        root.put("rows", out);
        root.put("details", extra);
        root.put("python_raw", pythonRaw);
        root.put("python_errors", pythonErrors);
        return root;
    }

    private static Map<String, Object> stats(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", s.median());
        m.put("min", s.min());
        m.put("max", s.max());
        m.put("samples", s.values);
        return m;
    }

    // ================================================================================================ SVG

    private static final String[] COLORS = {"#2b6cb0", "#dd6b20", "#38a169", "#718096", "#a0aec0"};
    private static final int WIDTH = 1000;
    private static final int LABEL = 150;
    private static final int BAR_MAX = 440;
    private static final int BAR_H = 15;

    /** One group per workload; in it one panel per metric, one bar per implementation, min–max whiskers. */
    String svg(String title) {
        StringBuilder body = new StringBuilder();
        int y = 60;
        String lastWorkload = null;
        for (Row r : rows) {
            if (!r.workload.equals(lastWorkload)) {
                if (lastWorkload != null) {
                    y += 8;
                    body.append(String.format(Locale.ROOT,
                            "<line x1='10' y1='%d' x2='%d' y2='%d' stroke='#cbd5e0'/>%n", y - 8, WIDTH - 10, y - 8));
                }
                lastWorkload = r.workload;
                body.append(String.format(Locale.ROOT, "<text x='10' y='%d' class='group'>%s</text>%n", y + 12,
                        esc(r.workload + " — " + workloadName(r))));
                y += 22;
            }
            List<String> names = new ArrayList<>();
            List<Stats> values = new ArrayList<>();
            List<String> colors = new ArrayList<>();
            if (r.hasPp()) {
                names.add("processpool");
                values.add(r.pp);
                colors.add(COLORS[0]);
            }
            for (Map.Entry<String, Stats> e : r.peers.entrySet()) {
                String q = r.peerQualifiers.get(e.getKey());
                names.add(shortName(e.getKey()).replace("mp", "mp.Pool") + (q == null ? "" : " (" + q + ")"));
                values.add(e.getValue());
                colors.add(e.getKey().equals(Row.PPE) ? COLORS[1] : COLORS[2]);
            }
            int bi = 0;
            for (Map.Entry<String, Stats> e : r.baselines.entrySet()) {
                names.add(e.getKey());
                values.add(e.getValue());
                colors.add(COLORS[3 + Math.min(bi++, 1)]);
            }
            Boolean met = r.met();
            String mark = r.target.isEmpty() ? "" : met == null ? "  target: " + r.target + " (?)"
                    : "  target: " + r.target + (met ? " ✓ met" : " ✗ missed");
            body.append(String.format(Locale.ROOT, "<text x='20' y='%d' class='metric'>%s</text>", y + 11,
                    esc(r.title + " · " + (r.metric.equals(r.unit) ? r.metric : r.metric + " (" + r.unit + ")"))));
            body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' class='%s'>%s</text>%n", WIDTH - 12, y + 11,
                    met == null ? "target" : met ? "target met" : "target missed", esc(mark.trim() + "  ("
                            + (r.higherIsBetter ? "higher" : "lower") + " is better)")));
            y += 16;
            if (values.isEmpty()) {
                body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' class='value'>n/a%s</text>%n", LABEL,
                        y + 11, r.ppNote == null ? "" : esc(": " + r.ppNote)));
                y += BAR_H + 4;
                continue;
            }
            double max = 0;
            for (Stats s : values) {
                max = Math.max(max, s.max());
            }
            for (int i = 0; i < values.size(); i++) {
                Stats s = values.get(i);
                double scale = max > 0 ? BAR_MAX / max : 0;
                int len = (int) Math.max(1, Math.round(s.median() * scale));
                body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' class='label'>%s</text>", LABEL - 6,
                        y + 11, esc(names.get(i))));
                body.append(String.format(Locale.ROOT,
                        "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'><title>%s</title></rect>", LABEL, y,
                        len, BAR_H - 3, colors.get(i), esc(names.get(i) + ": " + cell(s) + " " + r.unit)));
                if (s.values.length > 1) {
                    int x0 = LABEL + (int) Math.round(s.min() * scale);
                    int x1 = LABEL + (int) Math.round(s.max() * scale);
                    int ym = y + (BAR_H - 3) / 2;
                    body.append(String.format(Locale.ROOT,
                            "<path d='M%d %dH%dM%d %dV%dM%d %dV%d' class='whisker'/>", x0, ym, x1, x0, ym - 4, ym + 4,
                            x1, ym - 4, ym + 4));
                }
                String ratio = "";
                if (i > 0 && r.hasPp()) {
                    String key = i - 1 < r.peers.size() ? new ArrayList<>(r.peers.keySet()).get(i - 1)
                            : new ArrayList<>(r.baselines.keySet()).get(i - 1 - r.peers.size());
                    double q = r.ratioTo(key);
                    if (!Double.isNaN(q)) {
                        ratio = String.format(Locale.ROOT, "   (processpool = %.2f×)", q);
                    }
                }
                int xv = LABEL + Math.max(len, (int) Math.round(s.max() * scale)) + 8;
                body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' class='value'>%s%s</text>%n", xv, y + 11,
                        esc(cell(s) + " " + r.unit), esc(ratio)));
                y += BAR_H;
            }
            y += 10;
        }
        int height = y + 30;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "viewBox='0 0 %d %d' font-family='DejaVu Sans, Arial, sans-serif'>%n", WIDTH, height, WIDTH, height));
        b.append("<style>text{font-size:11px;fill:#1a202c} .title{font-size:16px;font-weight:bold} "
                + ".sub{font-size:10px;fill:#4a5568} .group{font-size:13px;font-weight:bold} "
                + ".metric{font-size:11px;font-style:italic;fill:#2d3748} .label{text-anchor:end} "
                + ".value{font-size:10px} .target{text-anchor:end;font-size:10px;fill:#4a5568} "
                + ".met{fill:#276749} .missed{fill:#c53030} .whisker{stroke:#1a202c;stroke-width:1;fill:none}"
                + "</style>\n");
        b.append("<rect width='100%' height='100%' fill='white'/>\n");
        b.append(String.format(Locale.ROOT, "<text x='10' y='22' class='title'>%s</text>%n", esc(title)));
        int hy = 38;
        for (String h : header.subList(1, Math.min(header.size(), 3))) {
            b.append(String.format(Locale.ROOT, "<text x='10' y='%d' class='sub'>%s</text>%n", hy, esc(h)));
            hy += 12;
        }
        b.append(body);
        b.append(String.format(Locale.ROOT, "<text x='10' y='%d' class='sub'>bars: median of the repetitions; "
                + "whiskers: min–max; each panel has its own scale</text>%n", height - 10));
        b.append("</svg>\n");
        return b.toString();
    }

    private static String workloadName(Row r) {
        switch (r.workload) {
            case "w1": return "warm round trip";
            case "w2": return "single-task throughput";
            case "w3": return "batched map throughput";
            case "w4": return "cold start";
            case "w5": return "payload";
            case "w6": return "CPU scaling";
            case "w7": return "timeout precision";
            case "w8": return "idle worker memory";
            case "w9": return "timeout storm";
            case "w10": return "large pool";
            case "w11": return "idle pool CPU";
            case "w12": return "spin on busy cores";
            default: return r.title;
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}
