package dev.processpool.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;

/**
 * What travels through the cluster, and the names of the structures it travels in. Every type is
 * {@link IdentifiedDataSerializable}: members never run Java deserialisation on what a client sends through
 * Hazelcast, and the task's own bytes stay opaque to them (only a worker JVM reads them).
 *
 * <pre>
 *   processpool.tasks            IQueue&lt;Task&gt;         every client's waiting tasks; members poll it when a worker is free
 *   processpool.jobs             IMap&lt;jobId, Lease&gt;   one entry per connected client pool, renewed while it lives
 *   processpool.claims.JOB       IMap&lt;key, Claim&gt;     who holds attempt k of task s (key = s * 256 + k), or a tombstone;
 *                                                    members claim with {@link ClaimIfAbsent}, clients with putIfAbsent
 *   processpool.results.JOB      IQueue&lt;Result&gt;       outcomes for the client pool of job JOB
 *   processpool.cancel           ITopic&lt;Cancel&gt;       "kill the worker running this attempt"
 *   processpool.members          IMap&lt;uuid, String&gt;  each member's state ("host:port held N workers M", and
 *                                                    "; cannot start workers: WHY" while it cannot), renewed
 *                                                    every half second with a 5 s time to live
 * </pre>
 */
final class Wire {

    static final String TASKS = "processpool.tasks";
    static final String JOBS = "processpool.jobs";
    static final String CLAIMS_PREFIX = "processpool.claims.";
    static final String RESULTS_PREFIX = "processpool.results.";
    static final String CANCEL = "processpool.cancel";
    static final String MEMBERS = "processpool.members";
    /** In a member's state: its workers cannot start (its local pool gave up), and why. */
    static final String CANNOT_START = "; cannot start workers: ";

    /** Member attribute: how many workers the member runs at most. */
    static final String ATTRIBUTE_WORKERS = "processpool.workers";

    static final int FACTORY_ID = 0x50504F4C; // "PPOL"
    private static final int TASK = 1;
    private static final int RESULT = 2;
    private static final int CLAIM = 3;
    private static final int LEASE = 4;
    private static final int CANCEL_NOTICE = 5;
    private static final int CLAIM_IF_ABSENT = 6;

    /** Attempts are numbered 1..255 within a key. */
    static final int MAX_ATTEMPTS = 255;

    private Wire() {
    }

    static String claims(String jobId) {
        return CLAIMS_PREFIX + jobId;
    }

    static String results(String jobId) {
        return RESULTS_PREFIX + jobId;
    }

    /** The claims-map key of one attempt of one task. */
    static long key(long seq, int attempt) {
        return seq * 256 + attempt;
    }

    /** Creates the wire types when Hazelcast reads them. */
    static final class Factory implements DataSerializableFactory {
        @Override
        public IdentifiedDataSerializable create(int typeId) {
            switch (typeId) {
                case TASK: return new Task();
                case RESULT: return new Result();
                case CLAIM: return new Claim();
                case LEASE: return new Lease();
                case CANCEL_NOTICE: return new Cancel();
                case CLAIM_IF_ABSENT: return new ClaimIfAbsent();
                default: return null;
            }
        }
    }

    private abstract static class Base implements IdentifiedDataSerializable {
        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }
    }

    /** One attempt of one task, as it waits in {@link #TASKS}. */
    static final class Task extends Base {
        String jobId;
        long seq;
        int attempt;
        int maxAttempts;
        String taskId;
        long timeoutMillis;
        long progressTimeoutMillis;
        /** The core's TaskPayload, encoded: function or class name, and arguments. Read only in a worker. */
        byte[] payload;

        Task() {
        }

        Task(String jobId, long seq, int attempt, int maxAttempts, String taskId, long timeoutMillis,
             long progressTimeoutMillis, byte[] payload) {
            this.jobId = jobId;
            this.seq = seq;
            this.attempt = attempt;
            this.maxAttempts = maxAttempts;
            this.taskId = taskId;
            this.timeoutMillis = timeoutMillis;
            this.progressTimeoutMillis = progressTimeoutMillis;
            this.payload = payload;
        }

        /** The same task, one attempt later. */
        Task next() {
            return new Task(jobId, seq, attempt + 1, maxAttempts, taskId, timeoutMillis, progressTimeoutMillis, payload);
        }

        long key() {
            return Wire.key(seq, attempt);
        }

        @Override
        public int getClassId() {
            return TASK;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeString(jobId);
            out.writeLong(seq);
            out.writeInt(attempt);
            out.writeInt(maxAttempts);
            out.writeString(taskId);
            out.writeLong(timeoutMillis);
            out.writeLong(progressTimeoutMillis);
            out.writeByteArray(payload);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            jobId = in.readString();
            seq = in.readLong();
            attempt = in.readInt();
            maxAttempts = in.readInt();
            taskId = in.readString();
            timeoutMillis = in.readLong();
            progressTimeoutMillis = in.readLong();
            payload = in.readByteArray();
        }

        @Override
        public String toString() {
            return "task " + taskId + " (#" + seq + ", attempt " + attempt + " of " + maxAttempts + ", job " + jobId + ")";
        }
    }

    /** The outcome of one attempt, from the member that ran it to the client pool. */
    static final class Result extends Base {
        static final byte OK = 0;
        static final byte FAILED = 1;

        long seq;
        int attempt;
        String memberUuid;
        String member;
        long workerPid;
        long runNanos;
        byte kind;
        /** OK: the value as the worker encoded it; FAILED: the TaskException, Java-serialised by the member. */
        byte[] bytes;

        Result() {
        }

        Result(long seq, int attempt, String memberUuid, String member, long workerPid, long runNanos, byte kind,
               byte[] bytes) {
            this.seq = seq;
            this.attempt = attempt;
            this.memberUuid = memberUuid;
            this.member = member;
            this.workerPid = workerPid;
            this.runNanos = runNanos;
            this.kind = kind;
            this.bytes = bytes;
        }

        @Override
        public int getClassId() {
            return RESULT;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(seq);
            out.writeInt(attempt);
            out.writeString(memberUuid);
            out.writeString(member);
            out.writeLong(workerPid);
            out.writeLong(runNanos);
            out.writeByte(kind);
            out.writeByteArray(bytes);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            seq = in.readLong();
            attempt = in.readInt();
            memberUuid = in.readString();
            member = in.readString();
            workerPid = in.readLong();
            runNanos = in.readLong();
            kind = in.readByte();
            bytes = in.readByteArray();
        }
    }

    /**
     * Who holds one attempt: a member (it took the task from the queue and runs it), or a tombstone the client
     * put first so that no member will (the attempt was given up as lost, or cancelled). The first
     * {@code putIfAbsent} wins: exactly one party decides each attempt.
     */
    static final class Claim extends Base {
        static final byte MEMBER = 0;
        static final byte LOST = 1;
        static final byte CANCELLED = 2;

        byte kind;
        String memberUuid;
        String member;

        Claim() {
        }

        private Claim(byte kind, String memberUuid, String member) {
            this.kind = kind;
            this.memberUuid = memberUuid;
            this.member = member;
        }

        static Claim byMember(String memberUuid, String member) {
            return new Claim(MEMBER, memberUuid, member);
        }

        static Claim tombstone(byte kind) {
            return new Claim(kind, "", "");
        }

        boolean isMember() {
            return kind == MEMBER;
        }

        @Override
        public int getClassId() {
            return CLAIM;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeByte(kind);
            out.writeString(memberUuid);
            out.writeString(member);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            kind = in.readByte();
            memberUuid = in.readString();
            member = in.readString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Claim c && c.kind == kind && c.memberUuid.equals(memberUuid) && c.member.equals(member);
        }

        @Override
        public int hashCode() {
            return memberUuid.hashCode() * 31 + kind;
        }

        @Override
        public String toString() {
            return kind == MEMBER ? "claimed by " + member : kind == LOST ? "lost" : "cancelled";
        }
    }

    /**
     * A client pool's sign of life: renewed (beat + 1) every lease interval. A member that sees the beat stand
     * still for {@code timeoutMillis} (on its own clock) counts the client as dead.
     */
    static final class Lease extends Base {
        String client;
        long beat;
        long timeoutMillis;

        Lease() {
        }

        Lease(String client, long beat, long timeoutMillis) {
            this.client = client;
            this.beat = beat;
            this.timeoutMillis = timeoutMillis;
        }

        Lease renewed() {
            return new Lease(client, beat + 1, timeoutMillis);
        }

        @Override
        public int getClassId() {
            return LEASE;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeString(client);
            out.writeLong(beat);
            out.writeLong(timeoutMillis);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            client = in.readString();
            beat = in.readLong();
            timeoutMillis = in.readLong();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Lease l && l.beat == beat && l.timeoutMillis == timeoutMillis && l.client.equals(client);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(beat) * 31 + client.hashCode();
        }
    }

    /** "Kill the worker running this attempt, if you hold it." */
    static final class Cancel extends Base {
        String jobId;
        long seq;
        int attempt;

        Cancel() {
        }

        Cancel(String jobId, long seq, int attempt) {
            this.jobId = jobId;
            this.seq = seq;
            this.attempt = attempt;
        }

        @Override
        public int getClassId() {
            return CANCEL_NOTICE;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeString(jobId);
            out.writeLong(seq);
            out.writeInt(attempt);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            jobId = in.readString();
            seq = in.readLong();
            attempt = in.readInt();
        }
    }

    /**
     * Claims an entry if nobody has (put-if-absent as an entry processor, so a member can claim without
     * waiting for the answer); returns the claim that was there, or null if this one was put.
     */
    static final class ClaimIfAbsent extends Base implements com.hazelcast.map.EntryProcessor<Long, Claim, Claim> {
        private Claim claim;

        ClaimIfAbsent() {
        }

        ClaimIfAbsent(Claim claim) {
            this.claim = claim;
        }

        @Override
        public Claim process(java.util.Map.Entry<Long, Claim> entry) {
            Claim prev = entry.getValue();
            if (prev == null) {
                entry.setValue(claim);
            }
            return prev;
        }

        @Override
        public int getClassId() {
            return CLAIM_IF_ABSENT;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            claim.writeData(out);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            claim = new Claim();
            claim.readData(in);
        }
    }
}
