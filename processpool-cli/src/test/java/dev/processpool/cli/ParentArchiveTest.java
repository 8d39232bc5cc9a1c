package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Reading the class names out of {@code VM.class_hierarchy}, whose classes the training run links before it
 * writes the parent's archive (JDK 17 leaves out a class that is loaded but not linked).
 */
class ParentArchiveTest {

    @Test
    void aLineOfTheHierarchyNamesItsClass() {
        assertThat(ParentArchive.classNameOf("java.lang.Object/null")).isEqualTo("java.lang.Object");
        assertThat(ParentArchive.classNameOf("|  |--java.util.LinkedHashMap$Entry/null")).isEqualTo("java.util.LinkedHashMap$Entry");
        assertThat(ParentArchive.classNameOf("|--java.security.Guard/null (intf)")).isEqualTo("java.security.Guard");
        assertThat(ParentArchive.classNameOf("|  |  |--picocli.CommandLine$ExecutionException/0x00007fe39411d1d0"))
                .isEqualTo("picocli.CommandLine$ExecutionException");
        // a hidden class: its name is not one to look up, and the lookup's failure is caught
        assertThat(ParentArchive.classNameOf("|--a.B$$Lambda$74/0x00007fe3140e4e30/0x00007fe39411d1d0"))
                .isEqualTo("a.B$$Lambda$74");
    }

    @Test
    void aLineThatNamesNoClassGivesNone() {
        assertThat(ParentArchive.classNameOf("")).isNull();
        assertThat(ParentArchive.classNameOf("|--")).isNull();
        assertThat(ParentArchive.classNameOf("|--/null")).isNull();
        assertThat(ParentArchive.classNameOf("no slash here")).isNull();
        assertThat(ParentArchive.classNameOf("|--java.lang.invoke.LambdaForm$MH/0x00007fe31413c000/null"))
                .isEqualTo("java.lang.invoke.LambdaForm$MH");
        assertThat(ParentArchive.classNameOf("|--two words/null")).isNull();
    }

    @Test
    void linkingWhatThisJvmLoadedThrowsNothing() {
        assertThatCode(ParentArchive::linkLoadedClasses).doesNotThrowAnyException();
    }
}
