package dev.processpool;

import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Task functions that attack the parent from inside a real worker: results whose decoding never ends, and
 * frames forged through the worker's own frame writer, reached by reflection as any task code can.
 */
final class HostileTasks {

    private HostileTasks() {
    }

    /**
     * "SerialDOS": nested {@link HashSet}s, {@code args[0]} levels deep, each level holding two sets that share
     * the next level. Serialised it is a few kilobytes; deserialising it rehashes the shared levels again and
     * again, 2^depth times.
     */
    static TaskFunction serialDos() {
        return (args, kwargs) -> {
            int depth = ((Number) args.get(0)).intValue();
            Set<Object> root = new HashSet<>();
            Set<Object> s1 = root;
            Set<Object> s2 = new HashSet<>();
            for (int i = 0; i < depth; i++) {
                Set<Object> t1 = new HashSet<>();
                Set<Object> t2 = new HashSet<>();
                t1.add("foo"); // t1 and t2 differ
                s1.add(t1);
                s1.add(t2);
                s2.add(t1);
                s2.add(t2);
                s1 = t1;
                s2 = t2;
            }
            return root;
        };
    }

    /**
     * A {@link HashSet} whose one element is a list of two references to the next list, {@code args[0]} levels
     * deep (the lists were filled after the set hashed the empty list). Deserialising it reads the lists in
     * linear time, then hashes the top list once, which walks 2^depth paths in one call: nothing in the
     * decoding runs between its start and its (never) end.
     */
    static TaskFunction hashOfASharedListDag() {
        return (args, kwargs) -> {
            int depth = ((Number) args.get(0)).intValue();
            Set<Object> set = new HashSet<>();
            ArrayList<Object> top = new ArrayList<>();
            set.add(top); // hashed while empty
            ArrayList<Object> level = top;
            for (int i = 0; i < depth; i++) {
                ArrayList<Object> next = new ArrayList<>();
                level.add(next);
                level.add(next);
                level = next;
            }
            return set;
        };
    }

    // ================================================================================== forged frames

    /** The running worker's frame writer and the wire number of the task it runs, by reflection. */
    private static FrameWriter writer() throws Exception {
        Object r = dev.processpool.protocol.TaskProgress.reporter();
        Field w = r.getClass().getDeclaredField("writer");
        w.setAccessible(true);
        return (FrameWriter) w.get(r);
    }

    private static long ownSequence() throws Exception {
        Field f = Class.forName("dev.processpool.worker.WorkerMain").getDeclaredField("currentSequence");
        f.setAccessible(true);
        return (Long) f.get(null);
    }

    /**
     * Waits {@code args[0]} ms (the tasks queued behind it are then held by this worker), then answers for
     * itself early with a forged RESULT {@code "forged"}, and plays a whole run of the task it guesses is
     * held next (the next sequence number): STARTED, then RESULT {@code "forged"}. Then returns {@code "real"}.
     */
    static TaskFunction forgeARunOfTheNextTask() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            FrameWriter w = writer();
            long own = ownSequence();
            byte[] forged = JavaSerialization.serialize("forged");
            w.writeSequenced(Protocol.FRAME_RESULT, own, forged, true);
            w.writeSequenced(Protocol.FRAME_STARTED, own + 1, null, true);
            w.writeSequenced(Protocol.FRAME_RESULT, own + 1, forged, true);
            return "real";
        };
    }

    /**
     * Waits {@code args[0]} ms, answers for itself early with a forged RESULT {@code "forged"}, then keeps
     * running for {@code args[1]} ms: the tasks its worker holds behind it do not start meanwhile.
     */
    static TaskFunction forgeOwnResultThenKeepRunning() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            writer().writeSequenced(Protocol.FRAME_RESULT, ownSequence(), JavaSerialization.serialize("forged"), true);
            Thread.sleep(((Number) args.get(1)).longValue());
            return "real";
        };
    }

    /** Sends a RESULT for the next sequence number (a task it never started), then returns {@code "real"}. */
    static TaskFunction forgeAResultForTheNextTask() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            writer().writeSequenced(Protocol.FRAME_RESULT, ownSequence() + 1, JavaSerialization.serialize("forged"),
                    true);
            return "real";
        };
    }

    static List<Object> list(Object... values) {
        return new ArrayList<>(List.of(values));
    }
}
