package dev.tern.kernel.emt;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusTest {

    /** Statuses folded left to right; the expected merged result. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
            "0 0 0; 0",
            "1112; 1112",
            "0 1112 0; 1112",
            "-10 -20; -10",                 // first error wins
            "-20 -10; -20",                 // ... whatever its value
            "1110 -5 -7 1100; -5",          // error beats informational, later ones ignored
            "1112 1110; 1110",              // EM: lower value more important
            "1110 1112; 1110",
            "1118 1100 1109; 1100",         // terminate beats everything in the EM range
            "1150 1112; 1112",              // EM range beats outside informational
            "1112 1150; 1112",
            "1150 1200; 1150",              // both outside: earlier kept
            "1200 1150; 1200",
            "0 -365 1100; -365",
    })
    void mergeFoldsInTimeOrder(String sequence, int expected) {
        int acc = Status.SUCCESS;
        for (String part : sequence.trim().split("\\s+")) {
            acc = Status.merge(acc, Integer.parseInt(part));
        }
        assertEquals(expected, acc, () -> "merge of " + sequence);
    }

    @Test
    void constantsHaveVirtualBoxValues() {
        assertEquals(-365, Status.DEADLOCK);
        assertEquals(1100, Status.EM_FIRST);
        assertEquals(1100, Status.EM_TERMINATE);
        assertEquals(1109, Status.EM_OFF);
        assertEquals(1110, Status.EM_SUSPEND);
        assertEquals(1111, Status.EM_RESET);
        assertEquals(1112, Status.EM_HALT);
        assertEquals(1118, Status.EM_RESCHEDULE);
        assertEquals(1120, Status.EM_LAST);
    }

    @Test
    void classification() {
        assertTrue(Status.isError(Status.DEADLOCK));
        assertFalse(Status.isError(Status.EM_HALT));
        assertTrue(Status.isSuccess(Status.SUCCESS));
        assertTrue(Status.isEmScheduling(Status.EM_WAIT_SIPI));
        assertFalse(Status.isEmScheduling(Status.EM_PENDING_REQUEST));
        assertEquals("EM_SUSPEND(1110)", Status.describe(Status.EM_SUSPEND));
        assertEquals("-42", Status.describe(-42));
    }

    @Test
    void informationalMergeIgnoresErrors() {
        assertEquals(Status.EM_HALT, Status.mergeInformational(Status.EM_HALT, -1));
        assertEquals(Status.EM_OFF, Status.mergeInformational(Status.EM_HALT, Status.EM_OFF));
    }
}
