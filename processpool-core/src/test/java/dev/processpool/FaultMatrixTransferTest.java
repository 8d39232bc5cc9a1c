package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.AWAIT;
import static dev.processpool.FaultMatrix.OTHERS;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertSettledAndTruthful;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.config;

/**
 * The fault matrix, what comes back from a worker: garbage on its file descriptors, results of hundreds of
 * MiB, over maxFrameBytes, not serialisable, of classes the parent does not have. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixTransferTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // ====================================================================================== output

    @Test
    void garbageWrittenStraightToFileDescriptorsOneAndTwoIsHarmless() throws Exception {
        Map<WorkerOutputListener.Stream, List<String>> lines = new ConcurrentHashMap<>();
        PoolConfig cfg = config(1).outputListener((pid, taskId, stream, line) ->
                lines.computeIfAbsent(stream, k -> new CopyOnWriteArrayList<>()).add(line)).build();
        try (ProcessPool pool = matrix.start(cfg)) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask garbage = h.queue(ProcessTask.builder(TestTasks.garbageToStdoutAndStderr())
                    .args(2 << 20, 42L, "end-of-garbage"));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            assertThat(garbage.taskResults()).isEqualTo("end-of-garbage");
            await().atMost(AWAIT).until(() -> lines.getOrDefault(WorkerOutputListener.Stream.STDOUT, List.of())
                    .contains("end-of-garbage") && lines.getOrDefault(WorkerOutputListener.Stream.STDERR, List.of())
                    .contains("end-of-garbage"));
            // lines are bounded, whatever was written
            assertThat(lines.values().stream().flatMap(List::stream)).allMatch(l -> l.length() <= 8192);
            // the same worker goes on
            assertThat(garbage.getWorkerPid()).isEqualTo(pid);
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    // ================================================================================ transfers

    @Test
    void aResultOfSeveralHundredMebibytesArrivesWhole() throws Exception {
        int mib = 300;
        try (ProcessPool pool = matrix.start(config(1).addJvmOptions("-Xmx2g").build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask big = h.queue(ProcessTask.builder(TestTasks.bigResult()).args(mib));
            List<ProcessTask> others = h.queueOthers(2, 10);
            h.settle(others);
            assertThat(big.exceptionRaised()).as("%s", big.taskException()).isFalse();
            byte[] b = (byte[]) big.taskResults();
            assertThat(b.length).isEqualTo(mib << 20);
            assertThat(b[0]).isEqualTo((byte) 1);
            assertThat(b[b.length - 1]).isEqualTo((byte) 2);
            assertThat(b[7 << 20]).isEqualTo((byte) 7);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aResultLargerThanMaxFrameBytesFailsOnlyThatTask() throws Exception {
        try (ProcessPool pool = matrix.start(config(1).maxFrameBytes(1 << 20).build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask big = h.queue(ProcessTask.builder(TestTasks.bigResult()).args(4));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            assertThat(h.failureOf(big)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("maxFrameBytes");
            assertKeepsWorking(pool, 1, big.getWorkerPid());
            assertShutDownClean(pool);
        }
    }

    @Test
    void aResultThatCannotBeSerialisedIsAResultTransferExceptionAndTheWorkerGoesOn() throws Exception {
        try (ProcessPool pool = matrix.start(config(1).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.unserializableResult()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            assertThat(h.failureOf(victim)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining(TestTasks.NotSerializableThing.class.getName());
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void exceptionsAndResultsWhoseClassIsMissingInTheParentOrNotSerialisable(@TempDir Path dir) throws Exception {
        Path classes = Workers.compileWorkerOnlyClasses(dir);
        assertThatThrownBy(() -> Class.forName("wonlyf.WorkerOnlyFaultException")).isInstanceOf(ClassNotFoundException.class);
        List<String> cp = new ArrayList<>(Workers.thisClassPath());
        cp.add(classes.toString());
        try (ProcessPool pool = matrix.start(config(1).classPath(cp).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask missingException = h.queue(ProcessTask.builderForClassName("wonlyf.ThrowWorkerOnly").args("x"));
            ProcessTask missingResult = h.queue(ProcessTask.builderForClassName("wonlyf.ReturnWorkerOnly").args("y"));
            ProcessTask unserializable = h.queue(ProcessTask.builder(TestTasks.throwUnserializable()).args("z"));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            assertThat(h.failureOf(missingException)).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo("wonlyf.WorkerOnlyFaultException");
                assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class,
                        r -> assertThat(r.getRemoteType()).isEqualTo("wonlyf.WorkerOnlyFaultException"));
            });
            assertThat(h.failureOf(missingResult)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("wonlyf.WorkerOnlyValue");
            assertThat(h.failureOf(unserializable)).isInstanceOfSatisfying(TaskExecutionException.class, e ->
                    assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class, r -> assertThat(r.getRemoteType())
                            .isEqualTo(TestTasks.UnserializableTaskException.class.getName())));
            assertThat(h.tasks).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }
}
