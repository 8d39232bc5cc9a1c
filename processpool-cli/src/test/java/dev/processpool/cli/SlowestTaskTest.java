package dev.processpool.cli;

import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress display's second line: the slowest running task, and task text made safe for a terminal. */
class SlowestTaskTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Every character printable on one line; the columns it takes. */
    private static int assertTerminalSafe(String s) {
        int columns = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int type = Character.getType(cp);
            assertThat(type).as("U+%04X at %d of %s", cp, i, s).isNotIn((int) Character.CONTROL,
                    (int) Character.FORMAT, (int) Character.LINE_SEPARATOR, (int) Character.PARAGRAPH_SEPARATOR,
                    (int) Character.SURROGATE);
            columns += SlowestTask.columnsOf(cp);
            i += Character.charCount(cp);
        }
        // what the terminal gets is what it shows: UTF-8 that reads back the same
        assertThat(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(s);
        return columns;
    }

    @Test
    void hostileTextIsShownAsTextAndCutToTheWidth() {
        String[] hostile = {
                "\u001B[2J\u001B[H\u001B]0;owned\u0007cleared",  // clear screen, home, set title, bell
                "one\rtwo\nthree\u000B\f\tfour",
                "abc\u202Eevil\u202C \u2066iso\u2069 \u200Frlm \u061Calm \u200Bzw \uFEFFbom",
                "\u009B31m C1 CSI \u0085 NEL \u2028 LS \u2029 PS",
                "lone \uD800 high, lone \uDC00 low, reversed \uDC00\uD800, end \uD83D",
                "x".repeat(1 << 20),
                "\uD83D\uDE00".repeat(100),      // surrogate pairs, two columns each
                "\u6F22\u5B57".repeat(100),      // wide
                "e\u0301".repeat(10_000) + "\u0301".repeat(1 << 20), // combining marks take no column
        };
        for (String text : hostile) {
            for (int width : new int[] {1, 2, 7, 40, 80, 200}) {
                String shown = SlowestTask.fit(text, width);
                assertThat(assertTerminalSafe(shown)).as("%s at %d", shown, width).isLessThanOrEqualTo(width);
                assertThat(shown).doesNotContain("\u001B", "\r", "\n", "\u202E", "\u2066");
            }
        }
        assertThat(SlowestTask.fit("\u001B[2Jcleared", 80)).isEqualTo("\\u001B[2Jcleared");
        assertThat(SlowestTask.fit("one\rtwo\nthree", 80)).isEqualTo("one two three");
        assertThat(SlowestTask.fit("abc\u202Eevil", 80)).isEqualTo("abc\\u202Eevil");
        assertThat(SlowestTask.fit("a\uD800b", 80)).isEqualTo("a\\uD800b");
        assertThat(SlowestTask.fit("abcdef", 6)).as("fits exactly").isEqualTo("abcdef");
        assertThat(SlowestTask.fit("abcdefg", 6)).isEqualTo("abcde\u2026");
        assertThat(SlowestTask.fit("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", 4)).as("a pair is never split")
                .isEqualTo("\uD83D\uDE00\u2026");
    }

    @Test
    void theLineNamesTheTaskRunningLongestWithItsLastReport() {
        SlowestTask s = new SlowestTask();
        assertThat(s.line(80, 0)).as("nothing runs").isEmpty();
        s.observe(List.of("line-3"), 0);
        s.observe(List.of("line-3", "line-7"), SECOND);
        s.onProgress(task("line-3"), 0.25, "reading \u001B[31mred\u001B[0m part 2\nof 4");
        s.onProgress(task("line-7"), 0.9, "almost");
        assertThat(s.line(120, 2 * SECOND + 340_000_000L))
                .isEqualTo("slowest: line 3, 2.3 s, 25%: reading \\u001B[31mred\\u001B[0m part 2 of 4");
        assertThat(s.line(30, 2 * SECOND)).hasSize(30).endsWith("\u2026");

        s.observe(List.of("line-7", "chunk-12"), 3 * SECOND); // line 3 ended
        assertThat(s.line(120, 4 * SECOND)).isEqualTo("slowest: line 7, 3.0 s, 90%: almost");
        s.observe(List.of("chunk-12"), 4 * SECOND);
        assertThat(s.line(120, 5 * SECOND)).as("no report from it yet").isEqualTo("slowest: lines from 12, 2.0 s");
        s.onProgress(task("chunk-12"), 1.0, "");
        assertThat(s.line(120, 125 * SECOND)).isEqualTo("slowest: lines from 12, 2m02s, 100%");
        s.observe(List.of(), 130 * SECOND);
        assertThat(s.line(120, 130 * SECOND)).isEmpty();
    }

    @Test
    void theConsoleDrawsTwoLinesAndClearsBothForAMessage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Console console = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        console.drawBar("bar 1", "slowest: line 1");
        console.message("hello");
        console.drawBar("bar 2", "");
        console.message("again");
        console.endBar();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "\r\u001B[Kbar 1\nslowest: line 1"
                        + "\r\u001B[K\u001B[1A\r\u001B[Khello\nbar 1\nslowest: line 1"
                        + "\r\u001B[K\u001B[1A\r\u001B[Kbar 2"
                        + "\r\u001B[Kagain\nbar 2\n");
    }

    private static ProcessTask task(String id) {
        return ProcessTask.builder((TaskFunction) (a, k) -> null).taskId(id).build();
    }
}
