package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** LOCK-prefixed read-modify-writes stay atomic when two vCPU threads hammer one dword. */
class LockedAccessTest {

    private static final int N = 20_000;

    private static int[] loop(int... body) {
        int[] head = {0xB9, N & 0xff, (N >> 8) & 0xff, 0, 0};        // mov ecx, N
        int[] tail = {0x49, 0x75, -(body.length + 3) & 0xff, 0xF4};  // dec ecx; jnz body; hlt
        int[] all = new int[head.length + body.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        System.arraycopy(tail, 0, all, head.length + body.length, tail.length);
        return all;
    }

    private static void race(int[] programA, int[] programB, int expected) throws Exception {
        assertEquals(expected, race(programA, programB).peek32(0x6000));
    }

    /** Runs programA on vCPU 0 and programB on a second vCPU, each on its own thread, both to HLT. */
    private static TestMachine race(int[] programA, int[] programB) throws Exception {
        TestMachine m = new TestMachine().protectedMode();
        m.code(programA);
        m.poke(TestMachine.CODE + 0x800, programB);
        X86Cpu other = new X86Cpu(1, m.memory, null, null, null, () -> 0L, 1_000_000_000L, 0x611);
        other.load(m.cpu.save());
        other.core().eip = TestMachine.CODE + 0x800;
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                start.await();
                assertInstanceOf(VcpuExit.Halted.class, other.run(20L * N));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        start.await();
        assertInstanceOf(VcpuExit.Halted.class, m.cpu.run(20L * N));
        t.join();
        assertNull(failure.get());
        return m;
    }

    @Test
    void lockIncFromTwoVcpusLosesNoUpdate() throws Exception {
        int[] inc = loop(0xF0, 0xFF, 0x05, 0x00, 0x60, 0x00, 0x00);           // lock inc dword [0x6000]
        race(inc, inc, 2 * N);
    }

    @Test
    void lockXaddAgainstLockAddLosesNoUpdate() throws Exception {
        int[] xadd = loop(0xBA, 1, 0, 0, 0, 0xF0, 0x0F, 0xC1, 0x15, 0x00, 0x60, 0, 0); // mov edx,1; lock xadd
        int[] add = loop(0xF0, 0x83, 0x05, 0x00, 0x60, 0x00, 0x00, 0x02);     // lock add dword [0x6000], 2
        race(xadd, add, 3 * N);
    }

    @Test
    void lockedByteIncrementInsideADwordKeepsNeighbours() throws Exception {
        int[] incLow = loop(0xF0, 0xFE, 0x05, 0x00, 0x60, 0x00, 0x00);        // lock inc byte [0x6000]
        int[] incHigh = loop(0xF0, 0xFE, 0x05, 0x02, 0x60, 0x00, 0x00);       // lock inc byte [0x6002]
        race(incLow, incHigh, (N & 0xff) << 16 | (N & 0xff));
    }

    /**
     * LOCK CMPXCHG8B adding 1 to the low dword of a qword whose top byte the other vCPU increments
     * with plain stores: the compare covers the whole qword, so neither side's update is lost (a
     * compare followed by two dword writes would write back a stale top byte now and then).
     */
    @Test
    void lockCmpxchg8bKeepsThePlainStoresOfAnotherVcpu() throws Exception {
        int[] cas8 = {
            0xBF, N & 0xff, (N >> 8) & 0xff, 0, 0,  // mov edi, N
            0xA1, 0x00, 0x60, 0x00, 0x00,           // body: mov eax, [0x6000]
            0x8B, 0x15, 0x04, 0x60, 0x00, 0x00,     // mov edx, [0x6004]
            0x8D, 0x58, 0x01,                       // retry: lea ebx, [eax + 1]
            0x89, 0xD1,                             // mov ecx, edx
            0xF0, 0x0F, 0xC7, 0x0D, 0x00, 0x60, 0x00, 0x00, // lock cmpxchg8b [0x6000]
            0x75, 0xF1,                             // jnz retry
            0x4F,                                   // dec edi
            0x75, 0xE3,                             // jnz body
            0xF4};                                  // hlt
        int[] plainTopByte = loop(0xFE, 0x05, 0x07, 0x60, 0x00, 0x00);       // inc byte [0x6007]
        TestMachine m = race(cas8, plainTopByte);
        assertEquals(N, m.peek32(0x6000));
        assertEquals((N & 0xff) << 24, m.peek32(0x6004));
    }

    /**
     * A locked dword at offset 2 straddles two dwords of one qword; the other vCPU increments its
     * top byte with plain stores. The locked add is one compare-and-set of the qword, so both
     * counts come out exact.
     */
    @Test
    void lockedDwordAcrossTwoDwordsKeepsThePlainStoresOfAnotherVcpu() throws Exception {
        int[] add = loop(0xF0, 0x83, 0x05, 0x02, 0x60, 0x00, 0x00, 0x01);    // lock add dword [0x6002], 1
        int[] plainTopByte = loop(0xFE, 0x05, 0x05, 0x60, 0x00, 0x00);       // inc byte [0x6005]
        TestMachine m = race(add, plainTopByte);
        assertEquals(N | (N & 0xff) << 24, m.peek32(0x6002));
    }

    /** A locked dword straddling two qwords (a split lock) is still exact against locked updates. */
    @Test
    void splitLockedDwordsFromTwoVcpusLoseNoUpdate() throws Exception {
        int[] xadd = loop(0xBA, 1, 0, 0, 0, 0xF0, 0x0F, 0xC1, 0x15, 0x06, 0x60, 0, 0); // mov edx,1; lock xadd [0x6006], edx
        int[] inc = loop(0xF0, 0xFF, 0x05, 0x06, 0x60, 0x00, 0x00);           // lock inc dword [0x6006]
        assertEquals(2 * N, race(xadd, inc).peek32(0x6006));
    }
}
