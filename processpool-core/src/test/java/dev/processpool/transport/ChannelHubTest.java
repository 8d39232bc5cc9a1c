package dev.processpool.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub reads many channels with one thread: a channel whose turn blocks (a stalled frame, a slow listener,
 * a full send buffer) or that never stops sending must not keep the other channels from being read. Pipes
 * stand in for the workers' sockets; the endpoints are test doubles.
 */
class ChannelHubTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);
    private ChannelHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
    }

    /** An endpoint that reads what its pipe holds and counts the bytes; its turns can be made to block. */
    private static final class Counting implements ChannelHub.Endpoint {
        final Pipe.SourceChannel in;
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger turns = new AtomicInteger();
        volatile CountDownLatch block;
        final CountDownLatch blocked = new CountDownLatch(1);
        final ByteBuffer buf = ByteBuffer.allocate(4096);

        Counting(Pipe.SourceChannel in) {
            this.in = in;
        }

        @Override
        public boolean turn() {
            turns.incrementAndGet();
            try {
                buf.clear();
                int n = in.read(buf);
                if (n > 0) {
                    bytes.addAndGet(n);
                }
                CountDownLatch b = block;
                if (b != null) {
                    blocked.countDown();
                    b.await();
                }
            } catch (IOException | InterruptedException e) {
                // test double
            }
            return false;
        }
    }

    private static void send(Pipe p, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            p.sink().write(b);
        }
    }

    @Test
    void aTurnThatBlocksDoesNotStopTheOtherChannelsAndItsChannelIsReadAgainAfterwards() throws Exception {
        hub = new ChannelHub("hub-test");
        Pipe stalled = Pipe.open();
        Pipe healthy = Pipe.open();
        Counting a = new Counting(stalled.source());
        Counting b = new Counting(healthy.source());
        CountDownLatch release = new CountDownLatch(1);
        a.block = release;
        hub.register(stalled.source(), a, false);
        hub.register(healthy.source(), b, false);

        send(stalled, 10);
        assertThat(a.blocked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // while a's turn hangs, b is read: every batch of bytes it gets
        for (int i = 1; i <= 20; i++) {
            send(healthy, 100);
            long expected = 100L * i;
            await().atMost(AWAIT).until(() -> b.bytes.get() == expected);
        }
        // more bytes for the stalled channel wait: it is not selected while its turn is under way
        send(stalled, 10);
        int turnsWhileStalled = a.turns.get();
        assertThat(turnsWhileStalled).isEqualTo(1);
        a.block = null;
        release.countDown();
        await().atMost(AWAIT).until(() -> a.bytes.get() == 20);
        send(stalled, 5);
        await().atMost(AWAIT).until(() -> a.bytes.get() == 25);
        // the stalled turn's thread left; one thread (and the watchdog) reads again
        await().atMost(AWAIT).until(() -> hub.threadCount() <= 2);
    }

    @Test
    void aChannelThatNeverStopsSendingDoesNotStarveAnother() throws Exception {
        hub = new ChannelHub("hub-test");
        Pipe flood = Pipe.open();
        Pipe quiet = Pipe.open();
        Counting a = new Counting(flood.source());
        Counting b = new Counting(quiet.source());
        hub.register(flood.source(), a, false);
        hub.register(quiet.source(), b, false);
        AtomicInteger stop = new AtomicInteger();
        Thread flooder = new Thread(() -> {
            ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
            try {
                while (stop.get() == 0) {
                    junk.clear();
                    flood.sink().write(junk);
                }
            } catch (IOException e) {
                // closed
            }
        });
        flooder.setDaemon(true);
        flooder.start();
        try {
            await().atMost(AWAIT).until(() -> a.bytes.get() > 1_000_000);
            for (int i = 1; i <= 20; i++) {
                send(quiet, 1);
                long expected = i;
                await().atMost(AWAIT).until(() -> b.bytes.get() == expected);
            }
        } finally {
            stop.set(1);
            flood.sink().close();
            flooder.join(5000);
        }
    }
}
