package dev.processpool.protocol;

import java.io.IOException;

/**
 * Decides, from a frame's header, whether a {@link FrameReader} may read the frame's body: the reader of a
 * channel from an untrusted peer asks before it allocates anything the peer announced. For a task's answer
 * ({@link Protocol#FRAME_RESULT}, {@link Protocol#FRAME_ERROR}) it is asked once the sequence number has been
 * read, and may wait (for memory to hold the body) or have the body skipped unread.
 */
public interface FrameGate {

    /**
     * @param type      the frame's type
     * @param sequence  for a task's answer, its sequence number; otherwise -1
     * @param bodyBytes the bytes still to read: for an answer, those after the sequence number
     * @return true to read the body, false to skip it without keeping it (then the reader goes on to the
     *         next frame)
     * @throws ProtocolException    if the peer may not send this frame (the reader stops)
     * @throws InterruptedException if the thread was interrupted while the gate waited
     */
    boolean admit(byte type, long sequence, int bodyBytes) throws IOException, InterruptedException;
}
