package dev.tern.kernel.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys as a terminal without canonical mode sends them, and what the editor returns and echoes. */
class LineEditorTest {

    private static final List<String> COMMANDS = List.of("info", "migrate", "migrate_cancel", "savevm", "stop");
    private static final List<String> TOPICS = List.of("migrate", "migrate_capabilities", "status");

    private final StringWriter screen = new StringWriter();

    private List<String> lines(String keys) throws IOException {
        var editor = new LineEditor(new StringReader(keys), screen, "(tern) ",
                typed -> typed.startsWith("info ") ? TOPICS : typed.contains(" ") ? List.of() : COMMANDS);
        var got = new ArrayList<String>();
        for (String l = editor.readLine(); l != null; l = editor.readLine()) {
            got.add(l);
        }
        return got;
    }

    @Test
    void aUniqueCandidateCompletesTheWordAndASpace() throws IOException {
        assertEquals(List.of("info status "), lines("inf\tst\t\r"));
        assertTrue(screen.toString().startsWith("(tern) info status \n"), screen.toString());
    }

    @Test
    void severalCandidatesCompleteTheirCommonPrefixThenASecondTabListsThem() throws IOException {
        assertEquals(List.of("info migrate_capabilities "), lines("info m\t\t_c\t\n"));
        String s = screen.toString();
        assertTrue(s.contains("\nmigrate  migrate_capabilities\n(tern) info migrate"), s);
    }

    @Test
    void noCandidateLeavesTheLineAsTyped() throws IOException {
        assertEquals(List.of("xyz", "info status extra"), lines("xyz\t\ninfo status extra\t\n"));
    }

    @Test
    void backspaceDeleteAndCtrlUEdit() throws IOException {
        assertEquals(List.of("stop", "info"), lines("stpo\b\u007fop\ngarbage\u0015info\n"));
        assertTrue(screen.toString().contains("\b \b"), screen.toString());
    }

    @Test
    void upAndDownWalkTheHistoryAndOtherEscapesAreIgnored() throws IOException {
        String up = "\033[A";
        String down = "\033[B";
        String left = "\033[D";
        String f5 = "\033[15~";
        assertEquals(List.of("stop", "savevm a", "savevm a", "stop", ""),
                lines("stop\nsavevm a\n" + up + "\n" + up + up + left + f5 + "\n" + up + down + "\n"));
    }

    @Test
    void ctrlCDropsTheLineAndCtrlDOnAnEmptyLineEndsTheInput() throws IOException {
        assertEquals(List.of("stop"), lines("savevm x\u0003stop\n\u0004info\n"));
        assertTrue(screen.toString().contains("^C\n(tern) "), screen.toString());
    }

    @Test
    void theEndOfTheInputEndsReading() throws IOException {
        var editor = new LineEditor(new StringReader(""), screen, "> ", t -> List.of());
        assertNull(editor.readLine());
    }

    @Test
    void aLineIsBoundedAndControlCharactersNeverLandInIt() throws IOException {
        String keys = "a".repeat(Monitor.MAX_LINE + 10) + "\u0001\u0002\n";
        List<String> got = lines(keys);
        assertEquals(1, got.size());
        assertEquals("a".repeat(Monitor.MAX_LINE), got.getFirst());
    }
}
