package dev.processpool.hazelcast;

import dev.processpool.TaskException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The client pool's record of its unfinished tasks: which attempt of each is current, who holds it, and
 * whether it still counts against {@code maxQueuedRequests}. It decides, under its lock, which result is a
 * task's one outcome and what to do when a member is gone; the pool does the I/O outside it (decide under the
 * lock, act outside). No Hazelcast here, so the rules are tested alone (TaskLedgerTest, TaskLedgerProperties).
 *
 * <p>Rules: only a result for the <em>current</em> attempt of an unfinished task is accepted, and accepting it
 * finishes the task, so a task has at most one outcome however many results arrive (late ones from a member
 * presumed dead, duplicates after a queue's owner died). A task is given a further attempt only from the
 * attempt it is at, and never beyond its limit; past the limit it is finished as lost.
 */
final class TaskLedger {

    /** One unfinished task. Fields are guarded by the ledger's lock. */
    static final class Entry {
        final long seq;
        final Object handle;
        /** The task's id, the same in every attempt. */
        final String taskId;
        Wire.Task current;
        /** The member holding the current attempt, once its claim is known; else null. */
        String memberUuid;
        String member;
        /** The last member known to hold the task, kept after it is gone (for the outcome's placement). */
        String lastMember;
        /** Counts against maxQueuedRequests: from acceptance until the first claim or the outcome. */
        boolean holdsPermit;
        /** Not in the cluster's queue: processing is stopped (stopProcessing), the pool keeps it. */
        boolean held;
        boolean done;
        /** What happened to earlier attempts, oldest first. */
        final List<String> lostAttempts = new ArrayList<>();
        /** The failures of earlier attempts, oldest first: the outcome's suppressed exceptions. */
        final List<TaskException> earlierFailures = new ArrayList<>(0);
        /** Whether the task failed on every attempt it was allowed, retries included (set when it is finished). */
        boolean quarantined;

        Entry(long seq, Object handle, Wire.Task first, boolean holdsPermit) {
            this.seq = seq;
            this.handle = handle;
            this.taskId = first.taskId;
            this.current = first;
            this.holdsPermit = holdsPermit;
        }

        int attempt() {
            return current.attempt;
        }
    }

    /** An attempt whose holder must be checked: its member is gone, or it has not been seen claimed. */
    record Suspect(long seq, int attempt, String memberUuid, String member) {
        long key() {
            return Wire.key(seq, attempt);
        }
    }

    /** What a further attempt came to. */
    record Retry(Entry entry, Wire.Task next, boolean exhausted, boolean releasePermit, String why) {
    }

    /** A finished entry, and whether it gave its permit back. */
    record Finished(Entry entry, boolean releasePermit) {
    }

    private final Map<Long, Entry> open = new HashMap<>();

    synchronized void add(Entry e) {
        if (open.putIfAbsent(e.seq, e) != null) {
            throw new IllegalStateException("task #" + e.seq + " is recorded already");
        }
    }

    synchronized Entry get(long seq) {
        return open.get(seq);
    }

    /** Task {@code seq}'s entry if it is unfinished and at {@code attempt}; else null. */
    synchronized Entry at(long seq, int attempt) {
        Entry e = open.get(seq);
        return e == null || e.done || e.attempt() != attempt ? null : e;
    }

    /**
     * A member claimed an attempt. Returns true if the task's permit is to be released (it no longer waits).
     * Claims of other attempts, of finished tasks and tombstones change nothing.
     */
    synchronized boolean claimed(long seq, int attempt, String memberUuid, String member) {
        Entry e = open.get(seq);
        if (e == null || e.done || e.attempt() != attempt) {
            return false;
        }
        e.memberUuid = memberUuid;
        e.member = member;
        e.lastMember = member;
        return releasePermit(e);
    }

    /**
     * A result arrived for {@code attempt} of task {@code seq}. It is the task's outcome if that attempt is
     * current and the task unfinished: then the entry is finished and returned. Otherwise null: the result is
     * late (an earlier attempt, from a member presumed dead), a duplicate, or for a task already finished.
     */
    synchronized Finished accept(long seq, int attempt, String member) {
        Entry e = open.get(seq);
        if (e == null || e.done || e.attempt() != attempt) {
            return null;
        }
        e.lastMember = member;
        return finish(e);
    }

    /** Finishes a task without a result (cancelled, or the pool gave it up); null if it was finished. */
    synchronized Finished finish(long seq) {
        Entry e = open.get(seq);
        return e == null || e.done ? null : finish(e);
    }

    private Finished finish(Entry e) {
        e.done = true;
        open.remove(e.seq);
        return new Finished(e, releasePermit(e));
    }

    private static boolean releasePermit(Entry e) {
        boolean had = e.holdsPermit;
        e.holdsPermit = false;
        return had;
    }

    /**
     * The attempts to check after a member left: those held by a member not in {@code live}, and, when
     * {@code unclaimedToo}, those not seen claimed (a member may have taken them from the queue and died before
     * its claim). Held-back tasks are not in the cluster and are never suspects.
     */
    synchronized List<Suspect> suspects(Set<String> live, boolean unclaimedToo) {
        List<Suspect> out = new ArrayList<>();
        for (Entry e : open.values()) {
            if (e.held) {
                continue;
            }
            boolean dead = e.memberUuid != null && !live.contains(e.memberUuid);
            if (dead || (e.memberUuid == null && unclaimedToo)) {
                out.add(new Suspect(e.seq, e.attempt(), e.memberUuid, e.member));
            }
        }
        return out;
    }

    /**
     * Gives task {@code seq} its next attempt because {@code attempt} failed in a way the task is retried for
     * ({@code failure}: its member left the cluster, or its worker died, timed out or hung there, or it threw a
     * type the caller named), if the task is still at that attempt and unfinished; null otherwise (someone else
     * moved it on). Past the task's limit the entry is finished instead, quarantined when it was allowed
     * retries, and the retry says so ({@code exhausted}, and whether its permit is to be released): its
     * outcome is {@code failure}, with the earlier attempts' failures.
     *
     * @param reportedBy the member that reported the failure, or null when the attempt was lost with its member
     */
    synchronized Retry retry(long seq, int attempt, String why, TaskException failure, String reportedBy) {
        Entry e = open.get(seq);
        if (e == null || e.done || e.attempt() != attempt) {
            return null;
        }
        e.lostAttempts.add("attempt " + attempt + " of " + e.current.maxAttempts + ": " + why);
        if (reportedBy != null) {
            e.lastMember = reportedBy;
        } else if (e.memberUuid != null) {
            e.lastMember = e.member;
        }
        e.memberUuid = null;
        e.member = null;
        if (attempt >= e.current.maxAttempts) {
            e.quarantined = attempt > 1;
            return new Retry(e, null, true, finish(e).releasePermit(), why);
        }
        e.earlierFailures.add(failure);
        e.current = e.current.next();
        return new Retry(e, e.current, false, false, why);
    }

    /** Keeps a task out of the cluster (processing stopped); true if it was waiting there unclaimed. */
    synchronized boolean hold(long seq) {
        Entry e = open.get(seq);
        if (e == null || e.done || e.memberUuid != null || e.held) {
            return false;
        }
        e.held = true;
        return true;
    }

    /** Undoes {@link #hold}: a member took the task before the pool could take it back. */
    synchronized void unhold(long seq) {
        Entry e = open.get(seq);
        if (e != null) {
            e.held = false;
        }
    }

    /** The held tasks, released to be sent again. */
    synchronized List<Entry> release() {
        List<Entry> out = new ArrayList<>();
        for (Entry e : open.values()) {
            if (e.held) {
                e.held = false;
                out.add(e);
            }
        }
        out.sort((a, b) -> Long.compare(a.seq, b.seq));
        return out;
    }

    /** Unfinished tasks that are not waiting: a member holds them (or did, until the pool learns otherwise). */
    synchronized int running() {
        int n = 0;
        for (Entry e : open.values()) {
            if (e.memberUuid != null) {
                n++;
            }
        }
        return n;
    }

    /** Unfinished tasks waiting for a member (in the cluster's queue or held back). */
    synchronized int waiting() {
        return open.size() - running();
    }

    synchronized int size() {
        return open.size();
    }

    /** Every unfinished entry, by sequence. */
    synchronized List<Entry> openEntries() {
        List<Entry> out = new ArrayList<>(open.values());
        out.sort((a, b) -> Long.compare(a.seq, b.seq));
        return out;
    }

    /** Unfinished tasks a member holds. */
    synchronized List<Entry> runningEntries() {
        List<Entry> out = new ArrayList<>();
        for (Entry e : open.values()) {
            if (e.memberUuid != null) {
                out.add(e);
            }
        }
        return out;
    }
}
