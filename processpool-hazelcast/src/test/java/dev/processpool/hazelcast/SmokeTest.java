package dev.processpool.hazelcast;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    static TaskFunction square() {
        return (args, kwargs) -> (Integer) args.get(0) * (Integer) args.get(0);
    }

    @Test
    void runs() throws Exception {
        String name = "smoke-" + UUID.randomUUID();
        int port = 15901;
        PoolConfig pc = PoolConfig.builder().minSize(1).maxSize(2).build();
        try (ClusterMember m1 = ClusterMember.start(ClusterMemberConfig.builder(name).port(port).poolConfig(pc).build());
             ClusterPool pool = ClusterPool.connect(ClusterPoolConfig.builder(name)
                     .addresses(List.of("127.0.0.1:" + port)).build())) {
            long t0 = System.nanoTime();
            List<ProcessTask> ts = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ProcessTask t = ProcessTask.builder(square()).args(i).build();
                pool.queueTask(t);
                ts.add(t);
            }
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            System.out.println("50 tasks in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            for (int i = 0; i < 50; i++) {
                assertThat(ts.get(i).taskResults()).isEqualTo(i * i);
                assertThat(pool.placementOf(ts.get(i)).get().member()).isEqualTo(m1.getAddress());
            }
            assertThat(pool.map(x -> (Integer) x + 1, List.of(1, 2, 3), 2)).containsExactly(2, 3, 4);
        }
    }
}
