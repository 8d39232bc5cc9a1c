package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns one line of JSON Lines input into a task request:
 * {@code {"id": ..., "args": [...], "kwargs": {...}, "timeout": "2s", "task": "Class"}}, every field optional,
 * or a bare JSON array, shorthand for {@code {"args": [...]}}.
 *
 * <p>A line's {@code "task"} is refused unless {@link AllowedTasks} allows it. Numbers become natural Java
 * values: {@code Integer}, {@code Long} or {@code BigInteger} for integers, {@code Double} for the others,
 * except one a {@code double} cannot hold (it would be infinite, or zero from non-zero), which stays an exact
 * {@code BigDecimal}: a {@code double} parameter then refuses it as out of range, a {@code BigDecimal} or
 * {@code Object} one gets it as written.
 */
final class InputParser {

    static final Set<String> FIELDS = Set.of("id", "args", "kwargs", "timeout", "task");

    /** A parsed line: what to run. {@code id} is the line's own id, or null. */
    record Request(JsonNode id, TaskTarget target, List<Object> args, Map<String, Object> kwargs, Duration timeout) {
    }

    /** A line that cannot be run, with its id when the line had a usable one. */
    static final class LineException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient JsonNode id;

        LineException(JsonNode id, String message) {
            super(message);
            this.id = id;
        }
    }

    private final TaskTarget defaultTarget;
    private final Duration defaultTimeout;
    private final AllowedTasks allowed;
    private final Map<String, Object> targets = new ConcurrentHashMap<>();

    /**
     * @param defaultTarget  the task of lines without a {@code "task"} field; null if there is none
     * @param defaultTimeout the timeout of lines without a {@code "timeout"} field; zero for none
     * @param allowed        which tasks a line's {@code "task"} may name
     */
    InputParser(TaskTarget defaultTarget, Duration defaultTimeout, AllowedTasks allowed) {
        this.defaultTarget = defaultTarget;
        this.defaultTimeout = defaultTimeout;
        this.allowed = allowed;
    }

    /**
     * The id a line's output line carries: its {@code "id"} when that can be read (even from a line that
     * cannot be run), or null for the line number. A float is written as Jackson reads it by default, so
     * that the output, read back by {@code --resume}, gives the same id. From a line that is not valid
     * UTF-8, an id that the bad bytes reached is not used.
     */
    static JsonNode outputId(InputLines.Line line) {
        String text = line.text() != null ? line.text() : line.lenient();
        if (text == null) {
            return null;
        }
        JsonNode id = Json.readableId(text);
        if (id != null && line.text() == null && id.isTextual() && id.textValue().indexOf('\uFFFD') >= 0) {
            return null;
        }
        return id;
    }

    Request parse(String text) throws LineException {
        JsonNode node;
        try {
            node = Json.readInputLine(text);
        } catch (StreamConstraintsException e) {
            long n = Json.stringOverLimit(e, text);
            throw new LineException(null, n >= 0
                    ? String.format(Locale.ROOT, "a string of %,d characters exceeds the limit of %,d"
                    + " (--max-string-length)", n, Json.maxStringLength())
                    : "the line exceeds a limit of JSON: " + e.getOriginalMessage().replaceAll(" \\(from .*\\)", ""));
        } catch (JsonProcessingException e) {
            String what = e.getOriginalMessage().replaceAll("\\[Source: [^\\]]*?; line: \\d+, column: (\\d+)\\]",
                    "column $1");
            throw new LineException(null, "malformed JSON: " + what
                    + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new LineException(null, "malformed JSON: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new LineException(null, "malformed JSON: the line holds no value");
        }
        if (node.isArray()) {
            return new Request(null, target(null, null), toList(node), new LinkedHashMap<>(), defaultTimeout);
        }
        if (!node.isObject()) {
            throw new LineException(null, "expected a JSON object {\"args\": [...], ...} or an array of arguments, got "
                    + describe(node.getNodeType()));
        }
        JsonNode id = node.get("id");
        if (id != null && !id.isNull() && !id.isTextual() && !id.isNumber()) {
            throw new LineException(null, "\"id\" must be a string or a number, got " + describe(id.getNodeType()));
        }
        JsonNode usableId = id == null || id.isNull() ? null
                : id.isNumber() && !id.isIntegralNumber() ? DoubleNode.valueOf(id.doubleValue()) : id;
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new LineException(usableId, "unknown field \"" + name + "\" (a line may have id, args, kwargs,"
                        + " timeout and task)");
            }
        }
        JsonNode args = node.get("args");
        if (args != null && !args.isNull() && !args.isArray()) {
            throw new LineException(usableId, "\"args\" must be an array, got " + describe(args.getNodeType()));
        }
        JsonNode kwargs = node.get("kwargs");
        if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
            throw new LineException(usableId, "\"kwargs\" must be an object, got " + describe(kwargs.getNodeType()));
        }
        Duration timeout = defaultTimeout;
        JsonNode t = node.get("timeout");
        if (t != null && !t.isNull()) {
            if (!t.isTextual()) {
                throw new LineException(usableId, "\"timeout\" must be a string with a unit ("
                        + Durations.EXAMPLES + "), got " + t);
            }
            try {
                timeout = Durations.parse(t.asText());
            } catch (IllegalArgumentException e) {
                throw new LineException(usableId, "\"timeout\": " + e.getMessage());
            }
        }
        JsonNode task = node.get("task");
        if (task != null && !task.isNull() && !task.isTextual()) {
            throw new LineException(usableId, "\"task\" must be a string (Class or Class::staticMethod)");
        }
        TaskTarget target = target(usableId, task == null || task.isNull() ? null : task.asText());
        List<Object> argList = args == null || args.isNull() ? new ArrayList<>() : toList(args);
        Map<String, Object> kwargMap = new LinkedHashMap<>();
        if (kwargs != null && !kwargs.isNull()) {
            for (Map.Entry<String, JsonNode> e : kwargs.properties()) {
                kwargMap.put(e.getKey(), toJava(e.getValue()));
            }
        }
        return new Request(usableId, target, argList, kwargMap, timeout);
    }

    private TaskTarget target(JsonNode id, String spec) throws LineException {
        if (spec == null) {
            if (defaultTarget == null) {
                throw new LineException(id, "no task: give --task CLASS (or a \"task\" field on the line, with"
                        + " --allow-task)");
            }
            return defaultTarget;
        }
        Object cached = targets.computeIfAbsent(spec, s -> {
            try {
                TaskTarget t = TaskTarget.parseFromInput(s);
                String refusal = allowed.refusal(t);
                return refusal != null ? refusal : t;
            } catch (BadInputException e) {
                return e.getMessage();
            }
        });
        if (cached instanceof String problem) {
            throw new LineException(id, problem);
        }
        return (TaskTarget) cached;
    }

    private static List<Object> toList(JsonNode array) {
        List<Object> list = new ArrayList<>(array.size());
        for (JsonNode e : array) {
            list.add(toJava(e));
        }
        return list;
    }

    /**
     * JSON to natural Java: Integer/Long/BigInteger, Double (BigDecimal when out of a double's range),
     * String, Boolean, null, ArrayList, LinkedHashMap.
     */
    static Object toJava(JsonNode node) {
        switch (node.getNodeType()) {
            case ARRAY:
                return toList(node);
            case OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    map.put(e.getKey(), toJava(e.getValue()));
                }
                return map;
            }
            case STRING:
                return node.textValue();
            case BOOLEAN:
                return node.booleanValue();
            case NUMBER:
                if (node.isIntegralNumber()) {
                    return node.numberValue();
                }
                BigDecimal exact = node.decimalValue();
                return JsonRules.outOfDoubleRange(exact) ? exact : (Object) exact.doubleValue();
            default:
                return null;
        }
    }

    private static String describe(JsonNodeType type) {
        return switch (type) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> type.toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
