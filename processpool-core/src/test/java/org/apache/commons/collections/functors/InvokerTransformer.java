package org.apache.commons.collections.functors;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A HARMLESS test stand-in that only shares its name (and serialVersionUID) with the famous gadget class of
 * commons-collections 3. It carries the path of a marker file; its {@code readObject} appends a line to that
 * file, naming the process it ran in. A test sends it from a hostile worker and checks that the marker never
 * appears in the parent: the pool's deserialisation filter must reject the class before {@code readObject}
 * could run. Used by {@code dev.processpool.HostileWorkerTest} and {@code dev.processpool.HostileWorkerMain}.
 */
public class InvokerTransformer implements Serializable {

    private static final long serialVersionUID = -8653385846894047688L;

    private final String markerPath;

    public InvokerTransformer(String markerPath) {
        this.markerPath = markerPath;
    }

    public String markerPath() {
        return markerPath;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Files.write(Path.of(markerPath),
                ("readObject ran in pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
