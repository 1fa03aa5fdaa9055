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
                assertInstanceOf(VcpuExit.Halted.class, other.run(10L * N));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        start.await();
        assertInstanceOf(VcpuExit.Halted.class, m.cpu.run(10L * N));
        t.join();
        assertNull(failure.get());
        assertEquals(expected, m.peek32(0x6000));
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
}
