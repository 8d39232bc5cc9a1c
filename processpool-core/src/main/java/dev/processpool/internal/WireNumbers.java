package dev.processpool.internal;

import java.security.SecureRandom;

/**
 * Wire numbers for tasks (see {@link Submission#wire}): a random upper half, drawn a block at a time, and the
 * task's sequence number in the lower half. Guarded by the engine's lock.
 */
final class WireNumbers {

    private final SecureRandom random = new SecureRandom();
    private final int[] tags = new int[256];
    private int left;

    /** The next wire number for a task with this sequence number. */
    long next(long sequence) {
        if (left == 0) {
            byte[] b = new byte[tags.length * 4];
            random.nextBytes(b);
            for (int i = 0; i < tags.length; i++) {
                tags[i] = ((b[4 * i] & 0x7F) << 24 | (b[4 * i + 1] & 0xFF) << 16 | (b[4 * i + 2] & 0xFF) << 8
                        | (b[4 * i + 3] & 0xFF)) | 1; // positive, never 0
            }
            left = tags.length;
        }
        return ((long) tags[--left] << 32) | (sequence & 0xFFFF_FFFFL);
    }
}
