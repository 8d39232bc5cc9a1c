package dev.processpool.bench;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python peers (peers.py, unpacked from this jar) once per workload, as a subprocess of its own,
 * and reads its JSON. When python3 is missing every peer value is absent and {@link #missingReason()} says
 * why.
 */
final class Peers {

    private final Path python;
    private final Path script;
    private final List<String> sizeArgs;
    private final String missingReason;
    private String version;
    private String defaultStartMethod;
    private final Map<String, String> errors = new LinkedHashMap<>();
    private final Map<String, Object> raw = new LinkedHashMap<>();

    Peers(Path python, Path script, List<String> sizeArgs, String missingReason) {
        this.missingReason = missingReason;
        this.python = python;
        this.script = script;
        this.sizeArgs = sizeArgs;
    }

    /** python3 from PATH (or the given path), or null. */
    static Path findPython(String given) {
        if (given != null) {
            Path p = Path.of(given);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    boolean available() {
        return python != null;
    }

    String missingReason() {
        return missingReason;
    }

    /** The version that ran, e.g. "3.11.7" (asked once, before the first workload). */
    String version() {
        if (version == null && python != null) {
            try {
                Process p = new ProcessBuilder(python.toString(), "-c",
                        "import platform,multiprocessing as m;print(platform.python_version(),m.get_start_method())")
                        .redirectErrorStream(true).start();
                String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
                p.waitFor(30, TimeUnit.SECONDS);
                version = out[0];
                defaultStartMethod = out.length > 1 ? out[1] : "?";
            } catch (IOException | InterruptedException e) {
                version = "unknown (" + e + ")";
            }
        }
        return version;
    }

    String defaultStartMethod() {
        version();
        return defaultStartMethod;
    }

    /**
     * Runs one workload; returns its JSON object ({@code {"ppe": {...}, "mp_pool": {...}}}), or an empty map
     * on failure (recorded in {@link #errors()}).
     */
    Map<String, Object> run(String workload) {
        return run(workload, List.of());
    }

    /**
     * One repetition of a workload (a fresh pool per peer, warmed up by the same rule as processpool's), merged
     * into {@code into}: called once per repetition between processpool's, so that both halves of a workload
     * run interleaved (ABAB) and a change of the machine's load hits both alike.
     */
    void rep(String workload, Map<String, Object> into) {
        merge(into, run(workload, List.of("--reps", "1", "--scaling-reps", "1")));
    }

    /** Appends every list of {@code from} to the same list of {@code into} (maps merged alike). */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object have = into.get(e.getKey());
            Object add = e.getValue();
            if (have instanceof Map && add instanceof Map) {
                merge((Map<String, Object>) have, (Map<String, Object>) add);
            } else if (have instanceof List && add instanceof List) {
                List<Object> joined = new ArrayList<>((List<Object>) have);
                joined.addAll((List<Object>) add);
                into.put(e.getKey(), joined);
            } else if (add instanceof Map) {
                Map<String, Object> copy = new java.util.LinkedHashMap<>();
                merge(copy, (Map<String, Object>) add);
                into.put(e.getKey(), copy);
            } else {
                into.put(e.getKey(), add);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> run(String workload, List<String> overrides) {
        if (python == null) {
            return Collections.emptyMap();
        }
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "--only", workload));
        cmd.addAll(sizeArgs);
        cmd.addAll(overrides);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            byte[] out = readAll(p.getInputStream());
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                errors.put(workload, "peers.py did not finish in 15 minutes");
                return Collections.emptyMap();
            }
            if (p.exitValue() != 0) {
                errors.put(workload, "peers.py exited with " + p.exitValue());
                return Collections.emptyMap();
            }
            Map<String, Object> all = (Map<String, Object>) Json.parse(new String(out, StandardCharsets.UTF_8));
            Map<String, Object> errs = (Map<String, Object>) all.getOrDefault("errors", Map.of());
            if (errs.containsKey(workload)) {
                errors.put(workload, String.valueOf(errs.get(workload)));
            }
            Map<String, Object> w = (Map<String, Object>) ((Map<String, Object>) all.get("workloads")).get(workload);
            if (w == null) {
                return Collections.emptyMap();
            }
            Map<String, Object> seen = new java.util.LinkedHashMap<>();
            if (raw.get(workload) instanceof Map) {
                seen.putAll((Map<String, Object>) raw.get(workload));
            }
            merge(seen, w);
            for (Object impl : seen.values()) {
                if (impl instanceof Map) {
                    ((Map<String, Object>) impl).remove("samples_us"); // summarised by the caller, not kept
                }
            }
            raw.put(workload, seen);
            return w;
        } catch (IOException | InterruptedException | RuntimeException e) {
            errors.put(workload, e.toString());
            return Collections.emptyMap();
        }
    }

    Map<String, String> errors() {
        return errors;
    }

    /** Everything the script reported, by workload. */
    Map<String, Object> raw() {
        return raw;
    }

    /** {@code w[impl][metric]} as repetitions, or null. */
    @SuppressWarnings("unchecked")
    static Stats stats(Map<String, Object> w, String impl, String metric) {
        Object m = w.get(impl);
        if (!(m instanceof Map)) {
            return null;
        }
        Object v = ((Map<String, Object>) m).get(metric);
        if (!(v instanceof List)) {
            return null;
        }
        List<Number> nums = new ArrayList<>();
        for (Object o : (List<Object>) v) {
            if (o instanceof Number) {
                nums.add((Number) o);
            }
        }
        return nums.isEmpty() ? null : Stats.of(nums);
    }

    /** Removes and returns {@code w[impl][metric]} (raw samples that only feed a summary), or null. */
    @SuppressWarnings("unchecked")
    static Object remove(Map<String, Object> w, String impl, String metric) {
        Object m = w.get(impl);
        return m instanceof Map ? ((Map<String, Object>) m).remove(metric) : null;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
