package dev.processpool.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which tasks an input line may name with its {@code "task"} field: none unless {@code --allow-task}
 * patterns say so, and then only classes and methods that a pattern matches. The task given with
 * {@code --task} is the user's own choice and needs no pattern.
 *
 * <p>A pattern is {@code CLASS} or {@code CLASS::METHOD}. In {@code CLASS}, {@code *} stands for any
 * characters within one name ({@code com.example.tasks.*} matches {@code com.example.tasks.Hash}, not
 * {@code com.example.tasks.sub.Hash}, not the nested class {@code com.example.tasks.Outer$Inner}), and
 * {@code **} for any characters at all, dots and {@code $} included ({@code com.example.**} matches every
 * class in {@code com.example} and below). In {@code METHOD}, {@code *} stands for any name. A pattern
 * without {@code ::METHOD} allows its classes as tasks and the static methods they declare themselves; one
 * with {@code ::METHOD} allows those static methods only. Matching is exact, character for character, on
 * the name as the line gives it after JSON decoding: no case folding, no Unicode normalisation. A line's
 * name must itself be a well-formed binary class name (see {@link TaskTarget}), so nothing but the class
 * it spells out can be loaded.
 *
 * <p>Immutable and thread-safe.
 */
final class AllowedTasks implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** One pattern: its text (for messages) and the class and method name expressions it stands for. */
    private record Rule(String text, Pattern classPattern, Pattern methodPattern) implements java.io.Serializable {
    }

    static final AllowedTasks NONE = new AllowedTasks(List.of());

    private static final String IDENTIFIER_PART = "[\\p{javaJavaIdentifierPart}&&[^\\p{Cf}\\p{Cc}]]";

    private final List<Rule> rules;

    private AllowedTasks(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Parses the {@code --allow-task} patterns.
     *
     * @throws IllegalArgumentException naming the first pattern that is not well formed, or that would
     *                                  allow more than it seems to ({@code *} alone)
     */
    static AllowedTasks parse(List<String> patterns) {
        List<Rule> rules = new ArrayList<>();
        for (String text : patterns) {
            rules.add(rule(text));
        }
        return new AllowedTasks(rules);
    }

    /** The patterns, as given to {@link #parse}. */
    List<String> patterns() {
        List<String> texts = new ArrayList<>(rules.size());
        for (Rule r : rules) {
            texts.add(r.text());
        }
        return texts;
    }

    boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Why an input line may not name {@code target}, or {@code null} if a pattern allows it. The answer
     * depends on the name only, never on whether such a class exists.
     */
    String refusal(TaskTarget target) {
        if (rules.isEmpty()) {
            return "this line names its own task (\"task\": \"" + target + "\"), which input lines may not do"
                    + " unless it is allowed: run with --allow-task PATTERN (e.g. --allow-task 'com.example.tasks.*'),"
                    + " or leave \"task\" out and give the task with --task";
        }
        for (Rule r : rules) {
            if (!r.classPattern().matcher(target.className()).matches()) {
                continue;
            }
            if (r.methodPattern() == null || target.isStaticMethod()
                    && r.methodPattern().matcher(target.methodName()).matches()) {
                return null;
            }
        }
        StringBuilder patterns = new StringBuilder();
        for (Rule r : rules) {
            patterns.append(patterns.length() == 0 ? "" : ", ").append(r.text());
        }
        return "task " + target + " is not allowed: no --allow-task pattern matches it (" + patterns + ")";
    }

    private static Rule rule(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an --allow-task pattern must not be empty");
        }
        if (!text.equals(text.strip())) {
            throw new IllegalArgumentException("--allow-task '" + text + "': a pattern has no spaces around it");
        }
        String[] parts = TaskTarget.split(text);
        String cls = parts[0];
        String method = parts[1];
        if (cls.equals("*")) {
            throw new IllegalArgumentException("--allow-task '" + text + "': '*' matches only classes in the unnamed"
                    + " package; to let input lines run any class on the class path (and so any code), say '**'");
        }
        if (!cls.matches("(?:" + IDENTIFIER_PART + "|[$*])+(?:\\.(?:" + IDENTIFIER_PART + "|[$*])+)*")) {
            throw new IllegalArgumentException("--allow-task '" + text + "' is not a pattern: expected a class name"
                    + " with * or ** in it (com.example.tasks.*, com.example.**), optionally ::method");
        }
        Pattern methodPattern = null;
        if (method != null) {
            if (!method.matches("(?:" + IDENTIFIER_PART + "|\\*)+")) {
                throw new IllegalArgumentException("--allow-task '" + text + "': after '::' comes a method name"
                        + " or a pattern of one (run, hash*, *)");
            }
            methodPattern = Pattern.compile(translate(method, IDENTIFIER_PART + "*", IDENTIFIER_PART + "*"));
        }
        return new Rule(text, Pattern.compile(translate(cls, "[^.$]*", ".*")), methodPattern);
    }

    /** A glob to a regular expression: {@code **} and {@code *} become the given expressions, the rest is literal. */
    private static String translate(String glob, String star, String doubleStar) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c != '*') {
                literal.append(c);
                continue;
            }
            if (literal.length() > 0) {
                re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(doubleStar);
                i++;
            } else {
                re.append(star);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return re.toString();
    }
}
