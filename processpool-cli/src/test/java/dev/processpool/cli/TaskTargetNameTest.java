package dev.processpool.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TaskTarget#isJavaName}, written out, accepts exactly what the regular expressions it replaced accept:
 * identifiers (without invisible format or control characters) joined by dots.
 */
class TaskTargetNameTest {

    private static final String START = "[\\p{javaJavaIdentifierStart}&&[^\\p{Cf}\\p{Cc}]]";
    private static final String PART = "[\\p{javaJavaIdentifierPart}&&[^\\p{Cf}\\p{Cc}]]";
    private static final Pattern JAVA_NAME = Pattern.compile(START + PART + "*(?:\\." + START + PART + "*)*");
    private static final Pattern METHOD_NAME = Pattern.compile(START + PART + "*");

    /** Characters that make the difference: letters, digits, $ _ . :, spaces, format and control characters, surrogates. */
    @Provide
    Arbitrary<String> names() {
        return Arbitraries.of('a', 'Z', 'é', 'ж', '中', '1', '٣', '$', '_', '.', ':', ' ', '-', '/', '[', ';',
                '\u200b', '\u200d', '\u00ad', '\u0000', '\u0007', '\u007f', '\u0085', '\ud835', '\udc00', '\ud800',
                '\uffff', '\u2028', '\u00a0').list().ofMinSize(0).ofMaxSize(8)
                .map(cs -> {
                    StringBuilder sb = new StringBuilder();
                    cs.forEach(sb::append);
                    return sb.toString();
                });
    }

    @Property(tries = 3000)
    void acceptsWhatTheRegularExpressionsAccept(@ForAll("names") String name) {
        assertThat(TaskTarget.isJavaName(name, true)).as("class name %s", name)
                .isEqualTo(JAVA_NAME.matcher(name).matches());
        assertThat(TaskTarget.isJavaName(name, false)).as("method name %s", name)
                .isEqualTo(METHOD_NAME.matcher(name).matches());
    }

    @Test
    void examples() {
        assertThat(TaskTarget.isJavaName("java.lang.Math", true)).isTrue();
        assertThat(TaskTarget.isJavaName("a.B$C", true)).isTrue();
        assertThat(TaskTarget.isJavaName("\ud835\udc00x", true)).as("a letter outside the BMP").isTrue();
        assertThat(TaskTarget.isJavaName("a..b", true)).isFalse();
        assertThat(TaskTarget.isJavaName(".a", true)).isFalse();
        assertThat(TaskTarget.isJavaName("a.", true)).isFalse();
        assertThat(TaskTarget.isJavaName("", true)).isFalse();
        assertThat(TaskTarget.isJavaName("1a", true)).isFalse();
        assertThat(TaskTarget.isJavaName("a\u200bb", true)).as("zero-width space").isFalse();
        assertThat(TaskTarget.isJavaName("a.b", false)).isFalse();
    }
}
