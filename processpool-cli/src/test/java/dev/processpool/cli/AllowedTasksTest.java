package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The --allow-task patterns, attacked: what they admit is exactly what they say. */
class AllowedTasksTest {

    private static boolean allowed(List<String> patterns, String spec) {
        TaskTarget t;
        try {
            t = TaskTarget.parseFromInput(spec);
        } catch (BadInputException notEvenAName) {
            return false;
        }
        return AllowedTasks.parse(patterns).refusal(t) == null;
    }

    @Test
    void noPatternsAllowNothingAndSayHowToAllow() throws Exception {
        String why = AllowedTasks.NONE.refusal(TaskTarget.parseFromInput("com.example.Task"));
        assertThat(why).contains("--allow-task");
    }

    @Test
    void oneStarStaysInOneNameDoubleStarGoesDeeper() {
        List<String> pkg = List.of("com.example.*");
        assertThat(allowed(pkg, "com.example.Task")).isTrue();
        assertThat(allowed(pkg, "com.example.Task::run")).isTrue();
        assertThat(allowed(pkg, "com.example.evil.Sub")).isFalse();
        assertThat(allowed(pkg, "com.example.Outer$Inner")).isFalse();
        assertThat(allowed(pkg, "com.examplex.Task")).isFalse();
        assertThat(allowed(pkg, "com.example")).isFalse();
        assertThat(allowed(pkg, "org.com.example.Task")).isFalse();
        List<String> deep = List.of("com.example.**");
        assertThat(allowed(deep, "com.example.evil.Sub")).isTrue();
        assertThat(allowed(deep, "com.example.Outer$Inner")).isTrue();
        assertThat(allowed(deep, "com.examplex.Task")).isFalse();
        assertThat(allowed(List.of("**"), "java.lang.System::getenv")).isTrue();
    }

    @Test
    void methodPatternsAllowOnlyThoseStaticMethods() {
        List<String> one = List.of("com.example.Util::hash");
        assertThat(allowed(one, "com.example.Util::hash")).isTrue();
        assertThat(allowed(one, "com.example.Util::hashAll")).isFalse();
        assertThat(allowed(one, "com.example.Util")).isFalse();
        assertThat(allowed(one, "com.example.Util::exec")).isFalse();
        assertThat(allowed(one, "com.example.Util::h\u0430sh")).as("Cyrillic a").isFalse();
        assertThat(allowed(one, "com.example.Util::hash\u0301")).as("a combining accent").isFalse();
        assertThat(allowed(one, "com.example.Util::Hash")).isFalse();
        List<String> prefix = List.of("com.example.Util::hash*");
        assertThat(allowed(prefix, "com.example.Util::hashAll")).isTrue();
        assertThat(allowed(prefix, "com.example.Util::rehash")).isFalse();
    }

    @Test
    void namesThatLookAlikeOrHideSomethingAreRefused() {
        List<String> p = List.of("com.example.*");
        for (String spec : List.of("Com.example.Task", "com.Example.Task", "com.\u0435xample.Task" /* Cyrillic e */,
                "com.example\uFF0ETask", "com.example.Ta\u200Bsk", "com.example.Ta\u00ADsk", "com.example. Task",
                "com.example.Task ::run", "com.example.Task::run\u0000", "[Lcom.example.Task;", "com/example/Task",
                "com.example.Task::<init>", "com.example.Task::<clinit>", "com.example.Task::run::x",
                "com.example..Task", "com.example.Task.", "com.example.Task\n", " com.example.Task",
                "com.example.\u202ETask")) {
            assertThat(allowed(p, spec)).as("'%s'", spec).isFalse();
        }
    }

    @Test
    void patternsThatAreNotPatternsAreRefusedWithTheReason() {
        for (String bad : List.of("*", "", " ", " com.example.*", "com..example", ".com", "com.", "com example",
                "com.example.*::", "com.example.*::a.b", "[Lcom.X;", "com/example/*", "com.X::<init>",
                "com.exa\u200Bmple.*")) {
            assertThatThrownBy(() -> AllowedTasks.parse(List.of(bad))).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--allow-task");
        }
        assertThatThrownBy(() -> AllowedTasks.parse(List.of("*"))).hasMessageContaining("'**'");
    }

    @Test
    void theDecisionDependsOnTheNameOnlyNotOnWhetherTheClassExists() throws Exception {
        AllowedTasks p = AllowedTasks.parse(List.of("com.example.*"));
        String missing = p.refusal(TaskTarget.parseFromInput("org.nowhere.Missing"));
        String present = p.refusal(TaskTarget.parseFromInput("java.lang.System"));
        assertThat(missing.replace("org.nowhere.Missing", "X")).isEqualTo(present.replace("java.lang.System", "X"));
    }
}
