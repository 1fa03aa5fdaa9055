package dev.tern.x86;

import dev.tern.testkit.debug.DebugAccessContract;

import static dev.tern.x86.TestMachine.CODE;

/** The x86 interpreter's {@code DebugAccess} against the testkit's debugger contract. */
class X86DebugAccessContractTest extends DebugAccessContract {

    private static final int COUNTER = 0x6000;
    private static final int ROUNDS = 5;

    /** xor ebx, ebx; loop: inc ebx; mov [0x6000], ebx; cmp ebx, 5; jne loop; hlt (flat protected mode). */
    private static final int[] LOOP = {
        0x31, 0xDB,
        0x43,
        0x89, 0x1D, 0x00, 0x60, 0x00, 0x00,
        0x81, 0xFB, ROUNDS, 0x00, 0x00, 0x00,
        0x75, 0xF1,
        0xF4,
    };

    @Override
    protected Workload workload() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(LOOP);
        // the test machine has 4 MiB of RAM; above it no RAM is mapped
        return new Workload(m.cpu, ROUNDS, CODE + 3, COUNTER, 0x7000, 0x8000_0000L);
    }
}
