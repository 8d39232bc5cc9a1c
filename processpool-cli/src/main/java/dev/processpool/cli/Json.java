package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one JSON configuration, used by the CLI for input and output and by the workers for results. */
final class Json {

    private static volatile ObjectMapper mapper;

    private Json() {
    }

    static ObjectMapper mapper() {
        ObjectMapper m = mapper;
        if (m == null) {
            synchronized (Json.class) {
                m = mapper;
                if (m == null) {
                    m = JsonMapper.builder()
                            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
                            // arguments convert exactly: no 2.5 -> 2, no "5" -> 5
                            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                            .addModule(new Jdk8Module())
                            .addModule(new JavaTimeModule())
                            .build();
                    mapper = m;
                }
            }
        }
        return m;
    }
}
