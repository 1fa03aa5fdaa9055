package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multifd announcement and channel hellos: round trips, and hostile texts refused with a reason. */
class MultifdSessionTest {

    @Test
    void announcementAndHellosRoundTrip() throws IOException {
        MultifdSession s = MultifdSession.random(4);
        assertEquals(s, MultifdSession.parse(s.announcement()));
        for (int i = 0; i < 4; i++) {
            assertEquals(i, s.channelOf(s.hello(i)));
        }
        assertNotEquals(s.id(), MultifdSession.random(4).id());
    }

    @Test
    void hostileTextsAreRefused() {
        MultifdSession s = MultifdSession.random(2);
        String other = MultifdSession.random(2).id();
        assertRefused(() -> s.channelOf("id=" + other + " channel=0 channels=2"), "another migration's id");
        assertRefused(() -> s.channelOf("id=" + s.id() + " channel=2 channels=2"), "this migration has 2 channels");
        assertRefused(() -> s.channelOf("id=" + s.id() + " channel=0 channels=3"), "this migration has 2 channels");
        assertRefused(() -> s.channelOf("id=" + s.id() + " channel=-1 channels=2"), "is not 'id=");
        assertRefused(() -> s.channelOf("x".repeat(5000)), "...");
        assertRefused(() -> MultifdSession.parse("id=" + s.id() + " channels=17"), "not 1..16");
        assertRefused(() -> MultifdSession.parse("id=" + s.id() + " channels=0"), "not 1..16");
        assertRefused(() -> MultifdSession.parse("channels=2"), "is not 'id=");
    }

    private interface Parse {
        void run() throws IOException;
    }

    private static void assertRefused(Parse p, String expected) {
        var e = assertThrows(IOException.class, p::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
