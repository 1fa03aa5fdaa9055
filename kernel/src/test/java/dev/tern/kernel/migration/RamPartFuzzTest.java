package dev.tern.kernel.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.Frame;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateReader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The RAM page records of one migration part, as the destination applies them
 * ({@link MigrationDestination#receivePart}): each part is applied or refused with a
 * {@link SavedStateException} naming the part's stream offset, and whatever a hostile part says,
 * nothing lands outside the writable RAM: the ROM stays as built. (The destination's machine has
 * never run and is discarded on refusal, so RAM pages written before the refusal are allowed.)
 * Seeds are the START and END parts of a real first pass and of a dirty round.
 */
class RamPartFuzzTest {

    private static final Pattern AT_BYTE = Pattern.compile("at byte 4242\\)");
    private static final byte[] ROM = {0x31, (byte) 0xC0, (byte) 0xF4};

    private static GuestRam ram() {
        return GuestRam.builder().ram("ram", 0, 16 * 4096).rom("bios", 0x20000, ROM).build();
    }

    @Test
    void seedsAreRealParts() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        try (GuestRam src = ram()) {
            src.writeU32(4096 + 8, 0xCAFEBABE);
            src.writeU64(5 * 4096, 0x0123_4567_89AB_CDEFL);
            for (int i = 0; i < 4096; i += 8) {
                src.writeU64(9 * 4096 + i, i * 0x0101_0101L);
            }
            var out = new ByteArrayOutputStream();
            var w = new SavedStateWriter(out, ConfigHeader.of("pc", src));
            w.writeLive(RamSender.of(src), 3 * 4096);
            w.finish();
            SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(out.toByteArray()));
            int n = 0;
            for (Frame f = r.next(); !(f instanceof Frame.Eof); f = r.next()) {
                seeds.put("first-pass-" + n++, f instanceof Frame.Open o ? o.payload() : ((Frame.Part) f).payload());
            }
        }
        SeedCorpus.check(RamPartFuzzTest.class, "receive", seeds);
    }

    @FuzzTest
    void receive(byte[] part) {
        try (GuestRam dst = ram()) {
            RamReceiver receiver = RamReceiver.of(dst);
            HostileInput.parse(SavedStateException.class, AT_BYTE, 1 << 20,
                    () -> MigrationDestination.receivePart(receiver, part, 4242));
            byte[] rom = new byte[ROM.length];
            dst.read(0x20000, rom, 0, rom.length);
            assertArrayEquals(ROM, rom, "a RAM part wrote the ROM");
            receiver.close();
        }
    }
}
