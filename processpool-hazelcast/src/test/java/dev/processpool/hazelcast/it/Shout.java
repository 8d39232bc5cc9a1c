package dev.processpool.hazelcast.it;

import java.util.concurrent.Callable;

/** A task class that only some members have (given to them with --classpath) in ClusterMissingClassIT. */
public final class Shout implements Callable<String> {

    private final String text;

    public Shout(String text) {
        this.text = text;
    }

    @Override
    public String call() {
        return text.toUpperCase(java.util.Locale.ROOT) + "!";
    }
}
