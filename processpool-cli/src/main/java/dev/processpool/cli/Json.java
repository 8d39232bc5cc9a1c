package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.util.List;

/**
 * The one JSON configuration, used by the CLI for input and output and by the workers for arguments and
 * results; and the helpers that make its limits readable: the id of a line that cannot be parsed, the length
 * of a string over the limit.
 */
final class Json {

    /** Jackson's own default limit on the length of one string, in characters. */
    static final int DEFAULT_MAX_STRING_LENGTH = StreamReadConstraints.DEFAULT_MAX_STRING_LEN;

    private static volatile int maxStringLength = DEFAULT_MAX_STRING_LENGTH;
    private static volatile ObjectMapper mapper;

    private Json() {
    }

    /**
     * Sets the longest string (in characters) that input lines and results may hold, for mappers made from
     * now on. Called once, before the run starts.
     */
    static synchronized void setMaxStringLength(int chars) {
        maxStringLength = chars;
        mapper = null;
    }

    static int maxStringLength() {
        return maxStringLength;
    }

    /** The time spent setting mappers up so far, in nanoseconds. Written under the class's lock. */
    private static volatile long setupNanos;

    /**
     * The time spent setting mappers up so far: a task subtracts what it grew by while it ran (a worker runs
     * its tasks on one thread; one that waited for another thread's set-up waited about as long).
     */
    static long setupNanos() {
        return setupNanos;
    }

    static ObjectMapper mapper() {
        ObjectMapper m = mapper;
        if (m == null) {
            long start = System.nanoTime();
            synchronized (Json.class) {
                m = mapper;
                if (m == null) {
                    JsonFactory factory = JsonFactory.builder()
                            .streamReadConstraints(StreamReadConstraints.builder()
                                    .maxStringLength(maxStringLength).build())
                            .build();
                    m = JsonMapper.builder(factory)
                            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
                            // arguments convert exactly: no 2.5 -> 2, no "5" -> 5, no 1e999 -> Infinity
                            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                            // results: data only (JsonRules decides what is not data)
                            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                            .addModule(new Jdk8Module())
                            .addModule(new JavaTimeModule())
                            .addModule(JsonRules.module())
                            .build();
                    mapper = m;
                    setupNanos += System.nanoTime() - start;
                }
            }
        }
        return m;
    }

    /**
     * Parses one input line into a tree in which every non-integer number is a {@code BigDecimal}, exactly
     * as written, so that one out of range for {@code double} is seen rather than silently infinite.
     */
    static JsonNode readInputLine(String text) throws IOException {
        ObjectMapper m = mapper();
        ObjectReader r = inputReader;
        if (r == null || inputReaderOf != m) {
            r = m.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
            inputReader = r;
            inputReaderOf = m;
        }
        return r.readTree(text);
    }

    /** The reader of input lines, made once per mapper. */
    private static volatile ObjectReader inputReader;
    private static volatile ObjectMapper inputReaderOf;

    /**
     * The {@code "id"} of a line that cannot be parsed as a whole (malformed, or over a limit), when it can
     * be read: a top-level object whose {@code "id"}, a string or a number, comes before the problem.
     * Reads the line as a stream and skips other values without building them, so a string over the limit
     * elsewhere in the line does not stop it.
     */
    static JsonNode readableId(String text) {
        try (JsonParser p = mapper().getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("id")) {
                    JsonNodeFactory nodes = JsonNodeFactory.instance;
                    switch (value) {
                        case VALUE_STRING:
                            return nodes.textNode(p.getText());
                        case VALUE_NUMBER_INT:
                            return switch (p.getNumberType()) {
                                case INT -> nodes.numberNode(p.getIntValue());
                                case LONG -> nodes.numberNode(p.getLongValue());
                                default -> nodes.numberNode(p.getBigIntegerValue());
                            };
                        case VALUE_NUMBER_FLOAT:
                            return nodes.numberNode(p.getDoubleValue()); // as Jackson reads it by default
                        default:
                            return null;
                    }
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The number of characters of the longest string (a value or a field name) in a JSON text, escapes
     * counted as the one character they stand for. Only for messages: reads the text without building the
     * strings.
     */
    static long longestString(String json) {
        long longest = 0;
        long current = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (!inString) {
                if (c == '"') {
                    inString = true;
                    current = 0;
                }
            } else if (c == '"') {
                inString = false;
                longest = Math.max(longest, current);
            } else {
                if (c == '\\' && i + 1 < json.length()) {
                    i += json.charAt(i + 1) == 'u' ? 5 : 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < json.length()
                        && Character.isLowSurrogate(json.charAt(i + 1))) {
                    current++; // a pair is two chars of a Java string, as the limit counts them
                    i++;
                }
                current++;
            }
        }
        return Math.max(longest, current);
    }

    /**
     * The length of the string that broke the limit, if {@code e} says a string was too long; -1 if it is
     * about another limit.
     */
    static long stringOverLimit(StreamConstraintsException e, String json) {
        String m = e.getMessage();
        return m != null && m.startsWith("String value length") ? longestString(json) : -1;
    }

    /** Where in a value Jackson failed, as {@code $.a[2].b}; empty for the value itself. */
    static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder("$");
        List<JsonMappingException.Reference> refs = e.getPath();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                sb.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
