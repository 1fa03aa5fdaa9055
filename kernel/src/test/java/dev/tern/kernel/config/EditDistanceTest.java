package dev.tern.kernel.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void suggestsOnlyPlausibleTypos() {
        assertEquals(Optional.of("chardev"), EditDistance.closest("chardv", List.of("port", "chardev", "irq")));
        assertEquals(Optional.empty(), EditDistance.closest("memory", List.of("port", "irq")));
        assertEquals(Optional.empty(), EditDistance.closest("x", List.of()));
    }
}
