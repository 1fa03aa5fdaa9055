package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;

/**
 * Measures interpreter throughput on a CPU-bound 32-bit loop (ALU, loads, stores, a taken branch)
 * in protected mode with paging on. Run with {@code main}; not a unit test.
 */
public final class InterpreterBenchmark {

    private static final int[] LOOP = {
        0xB9, 0x00, 0x00, 0x00, 0x40,   // mov ecx, 0x40000000
        0x01, 0xC8,                     // L: add eax, ecx
        0x31, 0xC3,                     // xor ebx, eax
        0xA3, 0x00, 0x60, 0x00, 0x00,   // mov [0x6000], eax
        0x8B, 0x15, 0x00, 0x60, 0, 0,   // mov edx, [0x6000]
        0x8D, 0x74, 0x16, 0x04,         // lea esi, [esi+edx+4]
        0x49,                           // dec ecx
        0x75, 0xEE,                     // jnz L
        0xF4,
    };

    private InterpreterBenchmark() {
    }

    public static void main(String[] args) {
        long perRun = args.length > 0 ? Long.parseLong(args[0]) : 200_000_000L;
        TestMachine m = new TestMachine().protectedMode().paging();
        m.code(LOOP);
        // The machine is shared: report throughput per second of this thread's CPU time as well.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            VcpuExit exit = m.cpu.run(perRun);
            long c1 = threads.getCurrentThreadCpuTime();
            long t1 = System.nanoTime();
            System.out.printf("round %d: %s, %.1f MIPS wall, %.1f MIPS per CPU-second%n", round, exit,
                    perRun / ((t1 - t0) / 1000.0), perRun / ((c1 - c0) / 1000.0));
        }
    }
}
