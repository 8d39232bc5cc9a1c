package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static dev.processpool.cli.CliProcess.byId;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An input file is data, not code: a line's "task" runs nothing unless --allow-task admits it, and the
 * patterns cannot be got round. Every refused line gets an error line, and nothing it named ran.
 */
class CliSecurityIT extends CliTestBase {

    private static final String TT = "dev.processpool.cli.testtasks.";
    private static final String SECRET = "s3cr3t-" + System.nanoTime();

    @Test
    void aLineCannotNameItsOwnTaskUnlessAllowed() throws Exception {
        List<String> in = List.of(
                "{\"id\": \"env\", \"task\": \"java.lang.System::getenv\"}",
                "{\"id\": \"one-env\", \"task\": \"java.lang.System::getenv\", \"args\": [\"PP_SECRET\"]}",
                "{\"id\": \"read\", \"task\": \"java.nio.file.Files::readString\", \"args\": [\"/etc/hostname\"]}",
                "{\"id\": \"same-as-default\", \"task\": \"" + task("CountPrimes") + "\", \"args\": [0, 10]}",
                "{\"id\": \"plain\", \"args\": [0, 100]}");
        CliProcess p = start(null, Map.of("PP_SECRET", SECRET), false, "run", "--task", task("CountPrimes"),
                "--input", input("in.jsonl", in).toString(), "--max", "1");
        p.awaitExit(LIMIT);
        p.assertNoWorkerAlive();

        assertThat(p.exitCode()).isEqualTo(1);
        assertThat(p.stdoutText()).doesNotContain(SECRET);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("plain").get("result").asLong()).isEqualTo(25);
        for (String id : List.of("env", "one-env", "read", "same-as-default")) {
            JsonNode n = r.get(id);
            assertThat(n.get("status").asText()).as(id).isEqualTo("error");
            assertThat(n.get("error").get("type").asText()).isEqualTo("dev.processpool.cli.BadInputException");
            assertThat(n.get("error").get("message").asText()).as(id).contains("--allow-task");
            assertThat(n.get("workerPid").isNull()).as(id + " reached no worker").isTrue();
        }
        assertThat(p.stderrText()).contains("--allow-task").doesNotContain(SECRET);
    }

    @Test
    void allowTaskAdmitsOnlyWhatItsPatternsMatch() throws Exception {
        List<String> in = new ArrayList<>();
        // allowed: a class of the package, its own static method, a nested class named by its own pattern
        in.add(line("safe", TT + "allowed.Safe"));
        in.add(line("safe-static", TT + "allowed.Safe::hello"));
        in.add(line("inner-by-pattern", TT + "allowed.Safe$Inner"));
        in.add(line("evil-method-allowed", TT + "Evil::run"));
        // refused: outside the patterns, or getting round them
        String[][] refused = {
            {"other-package", TT + "Evil"},
            {"jdk", "java.lang.System::getenv"},
            {"runtime", "java.lang.Runtime::getRuntime"},
            {"sub-package", TT + "allowed.sub.Deeper"},
            {"prefix-package", TT + "allowedx.Trick"},
            {"nested-via-star", TT + "allowed.Child$Anything"},
            {"case", "Dev.processpool.cli.testtasks.allowed.Safe"},
            {"case-package", TT + "Allowed.Safe"},
            {"cyrillic-a", TT + "\u0430llowed.Safe"},
            {"zero-width", TT + "allowed.Sa\u200Bfe"},
            {"fullwidth-dot", TT + "allowed\uFF0ESafe"},
            {"array", "[L" + TT + "allowed.Safe;"},
            {"inner-whitespace", TT + "allowed. Safe"},
            {"tab-before-method", TT + "allowed.Safe\t::hello"},
            {"nul-in-method", TT + "allowed.Safe::hello\u0000"},
            {"constructor-name", TT + "allowed.Safe::<init>"},
            {"static-init", TT + "allowed.Safe::<clinit>"},
            {"double-colon", TT + "allowed.Safe::hello::x"},
            {"empty-method", TT + "allowed.Safe::"},
            {"inherited-static", TT + "allowed.Child::leak"},
            {"other-method-of-exact-rule", TT + "Evil::call"},
            {"class-of-method-rule", TT + "Evil"},
            {"escaped-name", TT + "\\u0045vil"},
            {"slash-name", "dev/processpool/cli/testtasks/Evil"},
            {"trailing-dot", TT + "allowed."},
            {"dollar-only", TT + "allowed.$"},
        };
        for (String[] c : refused) {
            in.add(line(c[0], c[1]));
        }
        // the JSON escape is decoded first and then checked: \u0045 is E
        in.add("{\"id\": \"json-escape\", \"task\": \"" + TT + "\\u0045vil\"}");
        // a second "task" key cannot smuggle a name past the check
        in.add("{\"id\": \"duplicate-key\", \"task\": \"" + TT + "allowed.Safe\", \"task\": \"" + TT + "Evil\"}");

        CliProcess p = run(null, "run", "--input", input("in.jsonl", in).toString(), "--max", "1",
                "--classpath", CliProcess.TEST_CLASSES.toString(),
                "--allow-task", TT + "allowed.*", "--allow-task", TT + "allowed.Safe$Inner",
                "--allow-task", TT + "Evil::run");

        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("safe").get("result").asText()).isEqualTo("safe ran");
        assertThat(r.get("safe-static").get("result").asText()).isEqualTo("hello from Safe");
        assertThat(r.get("inner-by-pattern").get("result").asText()).isEqualTo("inner ran");
        assertThat(r.get("evil-method-allowed").get("result").asText()).isEqualTo("evil static ran");
        List<String> refusedIds = new ArrayList<>();
        for (String[] c : refused) {
            refusedIds.add(c[0]);
        }
        refusedIds.add("json-escape");
        refusedIds.add("duplicate-key");
        for (String id : refusedIds) {
            JsonNode n = r.get(id);
            assertThat(n).as(id).isNotNull();
            assertThat(n.get("status").asText()).as(id + ": " + n).isEqualTo("error");
            assertThat(n.get("workerPid").isNull()).as(id + " reached no worker: " + n).isTrue();
            assertThat(n.get("error").get("type").asText()).as(id).isEqualTo("dev.processpool.cli.BadInputException");
        }
        assertThat(r.get("inherited-static").get("error").get("message").asText()).contains("Base");
        assertThat(r.get("other-package").get("error").get("message").asText()).contains("--allow-task");
        assertThat(p.stdoutText()).doesNotContain("evil ran", "leaked", "deeper ran", "trick ran");
        assertThat(p.stderrText()).as("control characters from input are not echoed raw").doesNotContain("\u0000");
    }

    @Test
    void doubleStarReachesSubPackagesAndTheCommandLineTaskIsTrusted() throws Exception {
        List<String> in = List.of(
                line("deeper", TT + "allowed.sub.Deeper"),
                line("safe", TT + "allowed.Safe"),
                line("prefix-package", TT + "allowedx.Trick"),
                "{\"id\": \"default\"}");
        CliProcess p = run(null, "run", "--input", input("in.jsonl", in).toString(), "--max", "1",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--task", TT + "Evil::run",
                "--allow-task", TT + "allowed.**");
        Map<String, JsonNode> r = byId(p.outputLines());
        assertThat(r.get("deeper").get("result").asText()).isEqualTo("deeper ran");
        assertThat(r.get("safe").get("result").asText()).isEqualTo("safe ran");
        assertThat(r.get("prefix-package").get("status").asText()).isEqualTo("error");
        assertThat(r.get("default").get("result").asText()).as("--task is trusted").isEqualTo("evil static ran");
    }

    @Test
    void patternsThatWouldAllowMoreThanTheySayAreUsageErrors() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        // (AllowedTasksTest tries many more; here: that the command refuses them as usage errors)
        for (String bad : List.of("*", "com..example.*", "com.example.*::a.b", "[Lcom.example.X;")) {
            CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--allow-task", bad);
            assertThat(p.exitCode()).as("'" + bad + "'").isEqualTo(2);
            assertThat(p.stderrText()).as("'" + bad + "'").contains("--allow-task");
            assertThat(p.stdoutText()).isEmpty();
        }
    }

    private static String line(String id, String task) {
        return "{\"id\": \"" + id + "\", \"task\": " + CliProcess.JSON.valueToTree(task) + "}";
    }
}
