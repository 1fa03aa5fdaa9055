package dev.tern.x86;

import dev.tern.kernel.memory.GuestMemoryLostException;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.memory.PagePresence;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Post-copy: the CPU's TLB fill waits for a missing page, fetches it once, and then runs at full speed. */
class PostcopyTlbTest {

    private static final int PAGE = 4096;

    @Test
    void codeAndDataPagesAreFetchedOnTheFirstTouchOnly() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 0x80000).build()) {
            // mov ax, [0x3000]; add ax, [0x3002]; mov [0x3004], ax; hlt — at 0x1000
            byte[] code = {(byte) 0xA1, 0x00, 0x30, 0x03, 0x06, 0x02, 0x30, (byte) 0xA3, 0x04, 0x30, (byte) 0xF4};
            MemorySegment codePage = Arena.ofAuto().allocate(PAGE);
            MemorySegment.copy(code, 0, codePage, ValueLayout.JAVA_BYTE, 0, code.length);
            MemorySegment dataPage = Arena.ofAuto().allocate(PAGE);
            dataPage.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x1200);
            dataPage.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 0x0034);

            PagePresence presence = new PagePresence(0x80);
            BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
            presence.requestWith(asked::add);
            presence.markMissing(1, 1);
            presence.markMissing(3, 1);
            presence.seal();
            ram.expectPages(presence);
            X86Cpu cpu = new X86Cpu(0, ram, null, null, null, () -> 0L, 1_000_000_000L, 0x611);
            CpuCore c = cpu.core();
            c.seg[CpuCore.CS].loadReal(0);
            c.seg[CpuCore.DS].loadReal(0);
            c.eip = 0x1000;

            Thread vcpu = Thread.ofPlatform().start(() -> cpu.run(10));
            List<Long> order = new ArrayList<>();
            while (presence.missingCount() > 0) {
                long pfn = asked.take();
                order.add(pfn);
                ram.installPage(pfn, pfn == 1 ? codePage : dataPage);
            }
            vcpu.join();
            assertEquals(List.of(1L, 3L), order, "the code page first, then the data page, each once");
            assertEquals(0x1234, c.r[CpuCore.EAX] & 0xffff);
            assertEquals(0x1234, ram.readU16(0x3004));
            assertEquals(2, presence.requests());
            assertTrue(asked.isEmpty());
        }
    }

    @Test
    void aLostPageStopsTheCpuWithTheReason() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 0x80000).build()) {
            ram.write(0x1000, new byte[] {(byte) 0xA1, 0x00, 0x30, (byte) 0xF4}, 0, 4); // mov ax, [0x3000]; hlt
            PagePresence presence = new PagePresence(0x80);
            presence.requestWith(pfn -> presence.lose("the source is gone"));
            presence.markMissing(3, 1);
            ram.expectPages(presence);
            X86Cpu cpu = new X86Cpu(0, ram, null, null, null, () -> 0L, 1_000_000_000L, 0x611);
            CpuCore c = cpu.core();
            c.seg[CpuCore.CS].loadReal(0);
            c.seg[CpuCore.DS].loadReal(0);
            c.eip = 0x1000;
            var failure = new AtomicReference<Throwable>();
            Thread vcpu = Thread.ofPlatform().start(() -> {
                try {
                    cpu.run(10);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            vcpu.join();
            assertTrue(failure.get() instanceof GuestMemoryLostException, String.valueOf(failure.get()));
            assertTrue(failure.get().getMessage().contains("0x3000"), failure.get().getMessage());
        }
    }
}
