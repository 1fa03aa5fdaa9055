package dev.tern.x86.debug;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.decode.DecodedBlock;

/**
 * The breakpoint logic behind DR0-DR7 (Intel SDM vol. 3, "Debug Registers"): DR7 is decoded into
 * small arrays of enabled instruction, data and I/O breakpoints whenever it, DR0-DR3 or CR4.DE
 * changes, so nothing is decoded per access. {@link CpuCore#dr} stays the architectural storage.
 *
 * <p>Cost model. With nothing enabled the run loop reads one boolean per block and per stepped
 * instruction. Instruction breakpoints are checked before each stepped instruction and once per
 * block entry against the block's address range. Data breakpoints never touch the soft-TLB fast
 * path: a page a watched range touches gets no TLB entry, so every access to it takes the MMU slow
 * path, which calls {@link #dataAccess}. Hits collect in {@link #pending} and are reported by the
 * run loop as one trap-class #DB after the accessing instruction (for REP strings, the iteration).
 *
 * <p>Documented choices where the SDM leaves freedom:
 * <ul>
 *   <li>DR6.B0-B3 are reported only for enabled breakpoints, and every #DB this unit raises
 *       replaces B0-B3 with its own hits (the SDM allows either); BD, BS and BT are never cleared.
 *   <li>R/W = 10 without CR4.DE is undefined: such a breakpoint never fires. With CR4.DE it
 *       watches I/O ports. LEN = 10 (undefined on P6) watches 8 bytes, as later processors do.
 *   <li>An execute breakpoint matches the linear address of the instruction's first byte (its
 *       first prefix); its LEN field is ignored.
 *   <li>Every linear data access made by an instruction reports, including descriptor-table and
 *       TSS reads; accesses made while delivering an event do not (the run loop discards them).
 *       Instruction fetches never report.
 * </ul>
 */
public final class DebugRegisters {

    /** DR6 status bits. */
    public static final int BD = 0x2000, BS = 0x4000, BT = 0x8000;
    /** DR6.B0-B3. */
    public static final int HITS = 0xf;
    /** DR7.GD, general detect. */
    public static final int GD = 0x2000;
    /** DR7 bits a task switch clears: L0-L3 and LE. */
    private static final int LOCAL_ENABLES = 0x155;
    /** CR4.DE, debugging extensions. */
    private static final int CR4_DE = 0x8;
    private static final int RW_EXECUTE = 0, RW_WRITE = 1, RW_IO = 2;

    private final CpuCore c;
    /** The host debugger's own breakpoints and watchpoints, matched by the same paths. */
    public final DebuggerStops host = new DebuggerStops();

    private final int[] codeAt = new int[4];
    private final int[] codeBit = new int[4];
    private int codeCount;

    private final int[] dataStart = new int[4];
    private final int[] dataLength = new int[4];
    private final int[] dataBit = new int[4];
    private final boolean[] dataWriteOnly = new boolean[4];
    private int dataCount;

    private final int[] ioStart = new int[4];
    private final int[] ioLength = new int[4];
    private final int[] ioBit = new int[4];
    private int ioCount;

    /** Instruction or data breakpoints are enabled: the run loop must look at blocks and steps. */
    private boolean armed;
    /** B0-B3 of data and I/O breakpoints hit by the instruction now running. */
    private int pending;
    /** DR6.BT: a task switch entered a task whose TSS has the T flag. */
    private int pendingTaskTrap;

    public DebugRegisters(CpuCore c) {
        this.c = c;
    }

    // ---------------------------------------------------------------- configuration

    /**
     * Re-decodes DR7, DR0-DR3 and CR4.DE; call after any of them changed (MOV DRn, MOV CR4, task
     * switch, reset, state load). Soft-TLB entries of newly watched pages are dropped so their
     * accesses take the slow path from now on.
     */
    public void configure() {
        int dr7 = c.dr[7];
        boolean ioEnabled = (c.cr4 & CR4_DE) != 0;
        codeCount = 0;
        dataCount = 0;
        ioCount = 0;
        for (int n = 0; n < 4; n++) {
            if (((dr7 >>> (2 * n)) & 3) == 0) {
                continue;
            }
            int rw = (dr7 >>> (16 + 4 * n)) & 3;
            int length = lengthOf((dr7 >>> (18 + 4 * n)) & 3);
            int start = c.dr[n] & -length;
            if (rw == RW_EXECUTE) {
                codeAt[codeCount] = c.dr[n];
                codeBit[codeCount++] = 1 << n;
            } else if (rw == RW_IO) {
                if (ioEnabled) {
                    ioStart[ioCount] = start & 0xffff;
                    ioLength[ioCount] = length;
                    ioBit[ioCount++] = 1 << n;
                }
            } else {
                dataStart[dataCount] = start;
                dataLength[dataCount] = length;
                dataBit[dataCount] = 1 << n;
                dataWriteOnly[dataCount++] = rw == RW_WRITE;
                c.mmu.dropPage(start >>> 12);
            }
        }
        for (int page : host.watchedPages()) {
            c.mmu.dropPage(page);
        }
        armed = codeCount + dataCount != 0 || host.armed();
        // A configuration change must not be run past by a block that decided on the old one.
        c.blockBreak = true;
    }

    private static int lengthOf(int len) {
        return switch (len) {
            case 0 -> 1;
            case 1 -> 2;
            case 2 -> 8;
            default -> 4;
        };
    }

    /** Whether instruction or data breakpoints are enabled. */
    public boolean armed() {
        return armed;
    }

    /** Whether data breakpoints are enabled (the MMU slow path then matches accesses). */
    public boolean watchingData() {
        return dataCount != 0 || host.watching();
    }

    /** Whether a watched data range touches linear page {@code page}: it must get no TLB entry. */
    public boolean watchesPage(int page) {
        if (host.watching() && host.watchesPage(page)) {
            return true;
        }
        for (int k = 0; k < dataCount; k++) {
            if (dataStart[k] >>> 12 == page) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- MOV DRn

    /**
     * The register number MOV DRn really names: DR4/DR5 alias DR6/DR7 unless CR4.DE makes them
     * undefined (#UD). Raises the general-detect #DB (fault class) when DR7.GD is set.
     */
    public int resolve(int n) {
        if (n == 4 || n == 5) {
            if ((c.cr4 & CR4_DE) != 0) {
                throw CpuFault.ud();
            }
            n += 2;
        }
        if ((c.dr[7] & GD) != 0) {
            report(BD);
            // The SDM clears GD on entry to the handler so it can use the registers; the #DB is
            // delivered right after this throw.
            c.dr[7] &= ~GD;
            throw CpuFault.of(CpuFault.DB);
        }
        return n;
    }

    /** MOV DRn, r32 with the fixed bits of DR6/DR7 applied. */
    public void write(int n, int value) {
        c.dr[n] = switch (n) {
            case 6 -> value | 0xffff0ff0;
            case 7 -> (value | 0x400) & ~0xd000;
            default -> value;
        };
        configure();
    }

    /**
     * A task switch clears the local enables (L0-L3, LE); the new task's TSS T flag asks for a
     * trap-class #DB (DR6.BT) before its first instruction.
     */
    public void taskSwitched(boolean debugTrap) {
        if (debugTrap) {
            pendingTaskTrap = BT;
        }
        if ((c.dr[7] & LOCAL_ENABLES) != 0) {
            c.dr[7] &= ~LOCAL_ENABLES;
            configure();
        }
    }

    // ---------------------------------------------------------------- matching

    /**
     * The B bits of enabled execute breakpoints at the instruction about to run at CS:EIP, or 0;
     * a set EFLAGS.RF suppresses them for this one instruction and is cleared here (the SDM
     * clears RF at the start of each instruction, after the breakpoint check). The run loop sets
     * RF between REP iterations, which are not instruction starts.
     */
    public int beforeInstruction() {
        if (c.flags(CpuCore.RF) != 0) {
            c.ef.putBetweenInstructions(CpuCore.RF, false);
            return 0;
        }
        if (codeCount == 0) {
            return 0;
        }
        int lin = c.seg[CpuCore.CS].base + c.eip;
        int hits = 0;
        for (int k = 0; k < codeCount; k++) {
            if (codeAt[k] == lin) {
                hits |= codeBit[k];
            }
        }
        return hits;
    }

    /**
     * Whether the decoded block may run as one with the breakpoints now enabled: none of its
     * instructions may carry an execute breakpoint, and with data breakpoints enabled it may hold
     * no fused compare-and-branch pair that reads memory (the pair would retire the Jcc before the
     * #DB that belongs after the compare). Such blocks run one instruction at a time instead.
     */
    public boolean admits(DecodedBlock b) {
        if (!armed) {
            return true;
        }
        int first = b.firstLinear();
        int last = b.lastLinear();
        for (int k = 0; k < codeCount; k++) {
            if (Integer.compareUnsigned(codeAt[k] - first, last - first) <= 0) {
                return false;
            }
        }
        if (host.breaksIn(first, last)) {
            return false;
        }
        return !(watchingData() && b.fusesMemoryAccess());
    }

    /** A data access the MMU slow path made; records the hits and ends the running block. */
    public void dataAccess(int lin, int size, boolean write) {
        int hits = 0;
        for (int k = 0; k < dataCount; k++) {
            if ((write || !dataWriteOnly[k]) && overlaps(lin, size, dataStart[k], dataLength[k])) {
                hits |= dataBit[k];
            }
        }
        if (hits != 0) {
            pending |= hits;
            c.blockBreak = true;
        }
        if (host.watching() && host.dataAccess(lin, size, write)) {
            c.blockBreak = true;
        }
    }

    /** An IN/OUT/INS/OUTS access of {@code size} ports at {@code port}. */
    public void portAccess(int port, int size) {
        for (int k = 0; k < ioCount; k++) {
            if (overlaps(port & 0xffff, size, ioStart[k], ioLength[k])) {
                pending |= ioBit[k];
            }
        }
    }

    /** Whether {@code [a, a + n)} and {@code [b, b + m)} share a byte (linear addresses wrap). */
    private static boolean overlaps(int a, int n, int b, int m) {
        return Integer.compareUnsigned(b - a, n) < 0 || Integer.compareUnsigned(a - b, m) < 0;
    }

    // ---------------------------------------------------------------- reporting

    /**
     * Takes the #DB causes recorded by the instruction that just completed: B bits of its
     * breakpoint hits and BT after a switch to a task with the T flag (0 when none).
     */
    public int takePending() {
        int p = pending | pendingTaskTrap;
        pending = 0;
        pendingTaskTrap = 0;
        return p;
    }

    /**
     * Forgets the breakpoint hits of an instruction that faulted or of an event delivery; a task
     * switch's BT stays, since the new task was entered all the same.
     */
    public void discardPending() {
        pending = 0;
        host.discardHit();
    }

    /**
     * Writes a #DB's causes into DR6: B0-B3 become the breakpoint hits in {@code causes}, the
     * BD/BS/BT bits in it are added to those already set.
     */
    public void report(int causes) {
        c.dr[6] = (c.dr[6] & ~HITS) | causes | 0xffff0ff0;
    }
}
