package dev.processpool.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/** TaskTarget's equals and hashCode, written out, keep a record's contract: equal exactly when every part is. */
class TaskTargetEqualityTest {

    @Provide
    Arbitrary<TaskTarget> targets() {
        Arbitrary<String> classes = Arbitraries.of("java.lang.Math", "java.lang.Integer", "a.B", "a.B$C");
        Arbitrary<String> methods = Arbitraries.of("abs", "addExact", "call").injectNull(0.3);
        return net.jqwik.api.Combinators.combine(classes, methods, Arbitraries.of(true, false)).as(TaskTarget::new);
    }

    @Property(tries = 300)
    void equalExactlyWhenEveryPartIsAndThenWithTheSameHash(@ForAll("targets") TaskTarget a,
                                                           @ForAll("targets") TaskTarget b) {
        boolean same = a.className().equals(b.className()) && java.util.Objects.equals(a.methodName(), b.methodName())
                && a.declaredOnly() == b.declaredOnly();
        assertThat(a.equals(b)).isEqualTo(same);
        assertThat(b.equals(a)).isEqualTo(same);
        if (same) {
            assertThat(a.hashCode()).isEqualTo(b.hashCode());
        }
        assertThat(a.equals(null)).isFalse();
        assertThat(a.equals(a.toString())).isFalse();
        assertThat(a).isEqualTo(new TaskTarget(a.className(), a.methodName(), a.declaredOnly()));
    }
}
