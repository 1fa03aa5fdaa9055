package dev.tern.kernel.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EditDistanceTest {

    @Test
    void countsInsertionsDeletionsAndSubstitutions() {
        assertEquals(0, EditDistance.between("port", "port"));
        assertEquals(1, EditDistance.between("prt", "port"));
        assertEquals(1, EditDistance.between("porte", "port"));
        assertEquals(1, EditDistance.between("pert", "port"));
        assertEquals(1, EditDistance.between("iqr", "irq"), "adjacent swap");
        assertEquals(1, EditDistance.between("ab", "ba"));
        assertEquals(2, EditDistance.between("abcd", "badc"));
        assertEquals(3, EditDistance.between("kitten", "sitting"));
        assertEquals(4, EditDistance.between("", "port"));
    }

    @Test
    void emptyNamesAndLongNamesCostLittle() {
        assertEquals(3, EditDistance.between("", "abc"));
        assertEquals(3, EditDistance.between("abc", ""));
        assertEquals(3, EditDistance.between("ca", "abc"), "no substring edited twice");
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        String longName = "k".repeat(100_000);
        EditDistance.between(longName, "port"); // the first call may load classes
        long before = mx.getCurrentThreadAllocatedBytes();
        int distance = EditDistance.between(longName, "kkk");
        long used = mx.getCurrentThreadAllocatedBytes() - before;
        // a row per character of the long name would be megabytes; three rows of the short one are bytes
        assertEquals(99_997, distance);
        assertTrue(used < 4096, "measuring a 100,000-character name allocated " + used + " bytes");
    }

    @Test
    void suggestsOnlyPlausibleTypos() {
        assertEquals(Optional.of("chardev"), EditDistance.closest("chardv", List.of("port", "chardev", "irq")));
        assertEquals(Optional.empty(), EditDistance.closest("memory", List.of("port", "irq")));
        assertEquals(Optional.empty(), EditDistance.closest("x", List.of()));
    }
}
