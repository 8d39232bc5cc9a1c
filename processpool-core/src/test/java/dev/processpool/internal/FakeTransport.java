package dev.processpool.internal;

import dev.processpool.protocol.TaskPayload;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerEvents;
import dev.processpool.transport.WorkerTransport;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A transport without processes, for scheduling tests: each "worker" starts every task it is sent at once
 * (a STARTED event, from a thread of its own as a channel reader would) and never finishes it; a kill takes
 * as long as the test wants ({@link #killGate}), then the worker "exits" with signal 9. Records the thread
 * every kill ran on.
 */
final class FakeTransport implements WorkerTransport {

    /** Kills wait for this before they take effect: a slow {@code kill}. */
    final CountDownLatch killGate = new CountDownLatch(1);
    /** The name of the thread each kill was called on. */
    final List<String> killThreads = new CopyOnWriteArrayList<>();
    final Map<Integer, Channel> channels = new ConcurrentHashMap<>();

    @Override
    public WorkerChannel launch(int workerNumber, WorkerEvents events) {
        Channel c = new Channel(workerNumber, events);
        channels.put(workerNumber, c);
        return c;
    }

    @Override
    public void killAll() {
        channels.values().forEach(Channel::exitNow);
    }

    @Override
    public void close() {
        killAll();
        channels.values().forEach(c -> c.reader.shutdown());
    }

    final class Channel implements WorkerChannel {
        final int number;
        final WorkerEvents events;
        /** Stands for the channel's reader thread: events arrive from it, in order. */
        final ExecutorService reader;
        private volatile boolean exited;

        Channel(int number, WorkerEvents events) {
            this.number = number;
            this.events = events;
            this.reader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fake-worker-" + number + "-channel");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public long pid() {
            return 900_000 + number;
        }

        @Override
        public void sendTask(long sequence, TaskPayload payload, boolean flush) {
            reader.execute(() -> {
                if (!exited) {
                    events.taskStarted(sequence);
                }
            });
        }

        @Override
        public void cancelTask(long sequence) {
        }

        @Override
        public void reclaimUnstarted() {
        }

        @Override
        public void requestShutdown() {
            exitNow();
        }

        @Override
        public void terminate() {
            exitNow();
        }

        @Override
        public void kill() {
            killThreads.add(Thread.currentThread().getName());
            try {
                killGate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exitNow();
        }

        void exitNow() {
            reader.execute(() -> {
                if (!exited) {
                    exited = true;
                    events.exited(137, List.of());
                }
            });
        }

        @Override
        public boolean isAlive() {
            return !exited;
        }

        @Override
        public long lastActivityNanos() {
            return System.nanoTime();
        }

        @Override
        public OptionalLong residentBytes() {
            return OptionalLong.empty();
        }
    }
}
