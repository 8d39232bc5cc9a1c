package dev.processpool;

import dev.processpool.internal.Splitter;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The batched map behind {@link TaskPool#imap} and {@link TaskPool#imapUnordered}: a feeder thread
 * cuts the inputs into chunks and queues one task per chunk (waiting for queue slots like any producer);
 * the iterator hands out the results chunk by chunk, in input order or as chunks finish. At most
 * {@code window} chunks are queued, running or finished-but-not-consumed at a time, so a huge or endless
 * input does not fill memory.
 */
final class MapRunner<T, R> implements Iterator<R> {

    /** A chunk of inputs, run as one task: applies the function to each and returns the list of results. */
    static final class ChunkFunction implements TaskFunction {
        private static final long serialVersionUID = 1L;
        private final MapFunction<Object, Object> function;
        /** Serialised once per map call: every chunk carries the same function. */
        private transient volatile byte[] serializedForm;

        @SuppressWarnings("unchecked")
        ChunkFunction(MapFunction<?, ?> function) {
            this.function = (MapFunction<Object, Object>) function;
        }

        byte[] serializedForm() throws java.io.IOException {
            byte[] b = serializedForm;
            if (b == null) {
                b = JavaSerialization.serialize(this);
                serializedForm = b;
            }
            return b;
        }

        @Override
        public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
            List<?> inputs = (List<?>) args.get(0);
            ArrayList<Object> out = new ArrayList<>(inputs.size());
            for (Object input : inputs) {
                out.add(function.apply(input));
            }
            return out;
        }

        /**
         * How a chunk whose worker died or timed out is run again item by item: each item a chunk of its own,
         * their results put back in a list in which a failed item is a {@link FailedItem}.
         */
        Splitter splitter(List<?> chunk) {
            return new Splitter() {
                @Override
                public List<TaskPayload> items() throws java.io.IOException {
                    byte[] functionBytes = serializedForm();
                    List<TaskPayload> items = new ArrayList<>(chunk.size());
                    for (Object input : chunk) {
                        ArrayList<Object> one = new ArrayList<>(1);
                        one.add(input);
                        ArrayList<Object> args = new ArrayList<>(1);
                        args.add(one);
                        items.add(new TaskPayload(functionBytes, null, TaskPayload.encodeArguments(args, Map.of())));
                    }
                    return items;
                }

                @Override
                public Object join(List<Object> values, List<TaskException> failures) {
                    ArrayList<Object> out = new ArrayList<>(values.size());
                    for (int i = 0; i < values.size(); i++) {
                        TaskException f = failures.get(i);
                        out.add(f != null ? new FailedItem(f) : ((List<?>) values.get(i)).get(0));
                    }
                    return out;
                }
            };
        }
    }

    /** In a split chunk's results, an item that failed on its own (see {@link ChunkFunction#splitter}). */
    private record FailedItem(TaskException failure) {
    }

    /**
     * What the consumer receives: a chunk's results or failure, or the end of feeding (with the feeder's
     * failure, if any). In unordered mode the end can overtake the last chunks, so chunks are counted.
     */
    private record Delivery(List<?> results, Throwable failure, boolean end) {
        static Delivery of(List<?> results) {
            return new Delivery(results, null, false);
        }

        static Delivery failed(Throwable failure) {
            return new Delivery(null, failure, false);
        }
    }

    private final TaskPool pool;
    private final boolean ordered;
    /** Consumed by one thread: the iterator is not thread-safe, like any iterator. */
    private final Semaphore window;
    /** Ordered: futures in input order. Unordered: completed chunks in completion order. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** The results of the chunk being handed out, and the place of the next one. */
    private List<?> current = List.of();
    private int position;
    private boolean ended;
    private long chunksSeen;
    private long chunksTotal = -1;
    private final java.util.concurrent.atomic.AtomicLong queuedChunks = new java.util.concurrent.atomic.AtomicLong();

    /** Checks the arguments and starts a map over {@code pool}. */
    static <T, R> Iterator<R> start(TaskPool pool, MapFunction<? super T, ? extends R> function,
                                    Iterable<? extends T> inputs, int chunkSize, Duration timeout,
                                    boolean ordered) {
        java.util.Objects.requireNonNull(function, "map function must not be null");
        java.util.Objects.requireNonNull(inputs, "inputs must not be null");
        java.util.Objects.requireNonNull(timeout, "map timeout must not be null (zero means none)");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be >= 1, was " + chunkSize);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("map timeout must not be negative (zero means none), was " + timeout);
        }
        if (pool.isShutdown()) {
            throw new java.util.concurrent.RejectedExecutionException("pool " + pool + " is shut down: map not started");
        }
        return new MapRunner<T, R>(pool, function, inputs, chunkSize, timeout, ordered);
    }

    private MapRunner(TaskPool pool, MapFunction<? super T, ? extends R> function, Iterable<? extends T> inputs,
              int chunkSize, Duration timeout, boolean ordered) {
        this.pool = pool;
        this.ordered = ordered;
        this.window = new Semaphore(Math.max(4, 4 * pool.getMaxSize()));
        ChunkFunction chunkFunction = new ChunkFunction(function);
        Thread feeder = new Thread(() -> feed(chunkFunction, inputs, chunkSize, timeout), "processpool-map-feeder");
        feeder.setDaemon(true);
        feeder.start();
    }

    private void feed(ChunkFunction function, Iterable<? extends T> inputs, int chunkSize, Duration timeout) {
        try {
            Iterator<? extends T> it = inputs.iterator();
            while (it.hasNext()) {
                ArrayList<Object> chunk = new ArrayList<>(chunkSize);
                while (chunk.size() < chunkSize && it.hasNext()) {
                    chunk.add(it.next());
                }
                while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (pool.isShutdown()) {
                        throw new java.util.concurrent.RejectedExecutionException("the pool was shut down during the map");
                    }
                }
                // a split chunk's items inherit its timeout (Submission's item constructor)
                ProcessTask task = ProcessTask.builder(function).args(List.of(chunk)).timeout(timeout).build();
                if (!ordered) {
                    task.future().whenComplete((v, ex) -> queue.add(ex == null
                            ? Delivery.of((List<?>) v) : Delivery.failed(ex)));
                }
                pool.queueTask(task);
                queuedChunks.incrementAndGet();
                if (ordered) {
                    queue.add(task.future());
                }
            }
            queue.add(new Delivery(null, null, true));
        } catch (Throwable t) {
            // The chunks queued so far still come; then the feeder's failure is reported.
            queue.add(new Delivery(null, t, true));
        }
    }

    @Override
    public boolean hasNext() {
        while (position >= current.size()) {
            if (ended || (chunksTotal >= 0 && chunksSeen >= chunksTotal)) {
                ended = true;
                return false;
            }
            Delivery d = take();
            if (d.end()) {
                // The feeder is done: the chunks it queued may still be on their way.
                chunksTotal = queuedChunks.get();
                if (d.failure() != null) {
                    throw wrap(d.failure());
                }
                continue;
            }
            chunksSeen++;
            current = List.of();
            position = 0;
            if (d.failure() != null) {
                throw wrap(d.failure());
            }
            current = d.results();
        }
        if (current.get(position) instanceof FailedItem failed) {
            position++;
            throw new CompletionException(failed.failure());
        }
        return true;
    }

    private static CompletionException wrap(Throwable failure) {
        Throwable cause = failure instanceof CompletionException || failure instanceof ExecutionException
                ? failure.getCause() : failure;
        return cause instanceof CompletionException ce ? ce : new CompletionException(cause);
    }

    @Override
    @SuppressWarnings("unchecked")
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return (R) current.get(position++);
    }

    private Delivery take() {
        Object next;
        try {
            next = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
        window.release(); // one more chunk may be queued (a surplus permit after the end is harmless)
        if (next instanceof Delivery d) {
            return d;
        }
        CompletableFuture<?> future = (CompletableFuture<?>) next;
        try {
            return Delivery.of((List<?>) future.join());
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return Delivery.failed(e);
        }
    }
}
