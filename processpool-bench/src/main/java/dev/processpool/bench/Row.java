package dev.processpool.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One line of the result table: a metric of one workload for processpool, its Python peers and baselines,
 * the ratios of processpool's median to each of theirs, and the target for it.
 */
final class Row {

    /** Column keys of the two Python peers. */
    static final String PPE = "ppe";
    static final String MP = "mp_pool";

    final String workload;
    final String title;
    final String metric;
    final String unit;
    final boolean higherIsBetter;

    Stats pp;
    /** Why processpool has no value, when it has none. */
    String ppNote;
    /** Peer key ({@link #PPE}, {@link #MP}) to its repetitions. */
    final Map<String, Stats> peers = new LinkedHashMap<>();
    /** Peer key to a qualifier shown next to its value, e.g. "spawn". */
    final Map<String, String> peerQualifiers = new LinkedHashMap<>();
    /** Peer key to why it has no value. */
    final Map<String, String> peerNotes = new LinkedHashMap<>();
    /** Baselines measured in the same run (raw pipe, bare processes), name to repetitions. */
    final Map<String, Stats> baselines = new LinkedHashMap<>();
    /** Peers whose ratio is meaningless (other semantics); shown, but no ratio. */
    final List<String> noRatio = new ArrayList<>();
    String target = "";
    Function<Row, Boolean> check;
    final List<String> notes = new ArrayList<>();

    Row(String workload, String title, String metric, String unit, boolean higherIsBetter) {
        this.workload = workload;
        this.title = title;
        this.metric = metric;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }

    Row pp(Stats s) {
        this.pp = s;
        return this;
    }

    Row peer(String key, Stats s, String qualifier) {
        if (s != null && !s.isEmpty()) {
            peers.put(key, s);
        }
        if (qualifier != null) {
            peerQualifiers.put(key, qualifier);
        }
        return this;
    }

    Row baseline(String name, Stats s) {
        if (s != null && !s.isEmpty()) {
            baselines.put(name, s);
        }
        return this;
    }

    Row target(String text, Function<Row, Boolean> check) {
        this.target = text;
        this.check = check;
        return this;
    }

    Row note(String note) {
        notes.add(note);
        return this;
    }

    boolean hasPp() {
        return pp != null && !pp.isEmpty();
    }

    double ppMedian() {
        return hasPp() ? pp.median() : Double.NaN;
    }

    /** processpool's median over the other's: NaN when either is missing. */
    double ratioTo(String peerOrBaseline) {
        Stats other = peers.containsKey(peerOrBaseline) ? peers.get(peerOrBaseline) : baselines.get(peerOrBaseline);
        if (!hasPp() || other == null || other.isEmpty() || noRatio.contains(peerOrBaseline)) {
            return Double.NaN;
        }
        return pp.median() / other.median();
    }

    /** Every ratio that can be computed, by peer or baseline name. */
    Map<String, Double> ratios() {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String k : peers.keySet()) {
            double v = ratioTo(k);
            if (!Double.isNaN(v)) {
                r.put(k, v);
            }
        }
        for (String k : baselines.keySet()) {
            double v = ratioTo(k);
            if (!Double.isNaN(v)) {
                r.put(k, v);
            }
        }
        return r;
    }

    /** Whether the target is met: null when there is no target or not enough data to tell. */
    Boolean met() {
        if (check == null || !hasPp()) {
            return null;
        }
        try {
            return check.apply(this);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code v <= bound}, or null when v is unknown. */
    static Boolean le(double v, double bound) {
        return Double.isNaN(v) ? null : v <= bound;
    }

    /** {@code v >= bound}, or null when v is unknown. */
    static Boolean ge(double v, double bound) {
        return Double.isNaN(v) ? null : v >= bound;
    }

    /** False if any is false, else null if any is unknown, else true. */
    static Boolean and(Boolean... parts) {
        boolean unknown = false;
        for (Boolean b : parts) {
            if (b == null) {
                unknown = true;
            } else if (!b) {
                return false;
            }
        }
        return unknown ? null : true;
    }
}
