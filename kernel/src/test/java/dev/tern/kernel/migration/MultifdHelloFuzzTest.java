package dev.tern.kernel.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import dev.tern.testkit.transport.BytesConnection;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What opens a multifd migration, as the destination reads it from hostile connections:
 * <ul>
 *   <li>{@code announcement}: the main connection's {@link WireMessage#MULTIFD} message, parsed by
 *       {@link MultifdSession#parse};</li>
 *   <li>{@code hello}: the first message of a channel connection, read and matched against a
 *       session of 4 channels exactly as {@link MultifdReceiver} does ({@link WireInput#expect},
 *       then {@link MultifdSession#channelOf}).</li>
 * </ul>
 * Accepted or refused with an {@link IOException} naming the announcement, the hello or the wire
 * offset; what is accepted is exactly what the source writes for it (the parse is strict), and a
 * hello is taken only when it names this session's id and an index below its channel count.
 * Seeds: what a real source writes ({@link WireOutput#control}) for its announcement and hellos.
 */
class MultifdHelloFuzzTest {

    private static final MultifdSession SESSION = new MultifdSession("0123456789abcdef0123456789abcdef", 4);
    private static final Pattern WHY = Pattern.compile(
            "^multifd: the (announcement|source announces)|^the hello |^migration wire: .*byte \\d+|^the destination refused"
                    + "|^the source aborted");
    /** A control message carries at most one wire payload (1 MiB), read and decoded once. */
    private static final long ALLOCATION = 4L * WireMessage.MAX_PAYLOAD + (64 << 10);

    private static byte[] control(WireMessage kind, String text) throws IOException {
        var c = new BytesConnection(new byte[0]);
        new WireOutput(c).control(kind, text);
        return c.written();
    }

    @Test
    void seedsAreWhatASourceWrites() throws IOException {
        Map<String, byte[]> announcements = new LinkedHashMap<>();
        announcements.put("four-channels", control(WireMessage.MULTIFD, SESSION.announcement()));
        announcements.put("sixteen-channels", control(WireMessage.MULTIFD,
                new MultifdSession(SESSION.id(), MigrationConfig.MAX_MULTIFD_CHANNELS).announcement()));
        announcements.put("edge-1-leading-zero", control(WireMessage.MULTIFD, SESSION.announcement().replace("=4", "=04")));
        SeedCorpus.check(MultifdHelloFuzzTest.class, "announcement", announcements);
        Map<String, byte[]> hellos = new LinkedHashMap<>();
        for (int i = 0; i < SESSION.channels(); i++) {
            hellos.put("channel-" + i, control(WireMessage.CHANNEL, SESSION.hello(i)));
        }
        hellos.put("another-migration", control(WireMessage.CHANNEL, new MultifdSession("fedcba9876543210fedcba9876543210", 4).hello(1)));
        // leading zeros named the same channel in a second spelling (the parse was not strict)
        hellos.put("edge-1-leading-zero", control(WireMessage.CHANNEL, SESSION.hello(1).replace("channel=1", "channel=01")));
        hellos.put("refused", control(WireMessage.REFUSED, "multifd: refused a channel connection from x: why"));
        SeedCorpus.check(MultifdHelloFuzzTest.class, "hello", hellos);
    }

    @FuzzTest
    void announcement(byte[] wire) throws IOException {
        MultifdSession[] parsed = new MultifdSession[1];
        var refused = HostileInput.parse(IOException.class, WHY, ALLOCATION,
                () -> parsed[0] = MultifdSession.parse(new WireInput(new BytesConnection(wire)).expect(WireMessage.MULTIFD)));
        if (refused.isEmpty()) {
            assertTrue(parsed[0].channels() >= 1 && parsed[0].channels() <= MigrationConfig.MAX_MULTIFD_CHANNELS);
            assertEquals(parsed[0].announcement(), new WireInput(new BytesConnection(wire)).expect(WireMessage.MULTIFD),
                    "only the source's own announcement is taken");
        }
    }

    @FuzzTest
    void hello(byte[] wire) throws IOException {
        int[] index = new int[1];
        String[] text = new String[1];
        var refused = HostileInput.parse(IOException.class, WHY, ALLOCATION, () -> {
            text[0] = new WireInput(new BytesConnection(wire)).expect(WireMessage.CHANNEL);
            index[0] = SESSION.channelOf(text[0]);
        });
        if (refused.isEmpty()) {
            assertTrue(index[0] >= 0 && index[0] < SESSION.channels(), "channel " + index[0]);
            assertEquals(SESSION.hello(index[0]), text[0], "only the source's own hello is taken");
        }
    }
}
