package dev.tern.x86;

import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.state.StateSection;
import dev.tern.x86.block.BlockTable;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.debug.DebugRegisters;
import dev.tern.x86.decode.DecodedBlock;
import dev.tern.x86.jit.BlockCompiler;
import dev.tern.x86.jit.CompiledBlock;
import dev.tern.x86.jit.CompilingTier;
import dev.tern.x86.jit.TierStats;
import dev.tern.x86.ops.EscapeOps;
import dev.tern.x86.ops.ModelSpecificRegisters;
import dev.tern.x86.interp.Interpreter;
import dev.tern.x86.memory.PhysicalMemory;
import dev.tern.x86.ops.PortAccess;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.ops.SystemOps;
import dev.tern.x86.ops.TimeStampCounter;
import dev.tern.x86.fpu.X87State;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * An i686-class x86 vCPU: the run loop around the {@link Interpreter} with exact instruction
 * counting, interrupt acceptance (IF, STI/MOV SS shadow), HLT and single-step traps; events reach
 * the guest through {@link EventDelivery} (with the double/triple fault escalation).
 *
 * <p>REP string instructions retire one instruction per iteration; a budget may end between
 * iterations with EIP still on the REP instruction, and interrupts are taken there too.
 */
public final class X86Cpu implements Vcpu {

    private static final int NMI_VECTOR = 2;

    private final CpuCore core;
    private final Interpreter interpreter;
    private final SystemOps sys;
    private final EscapeOps escape;
    private X87Unit fpu;
    private final InterruptController pic;
    /** The local APIC INTR is acknowledged through once one is connected (null: the machine-wide controller). */
    private InterruptController localApic;
    /** NMI, INIT and startup IPIs sent by any thread, taken at the next instruction boundary. */
    private final ApicEvents events = new ApicEvents();
    /** An application processor after reset or INIT: it runs nothing until a startup IPI. */
    private boolean waitForSipi;
    private final int vcpuId;
    private final int signature;

    private long instructions;
    private final EventDelivery delivery;
    private boolean halted;
    /** Instruction count at which the interrupt shadow ends (-1: none). */
    private long shadowUntil = -1;
    private volatile boolean exitRequested;
    /** The data address of the host watchpoint that ended the last run (-1: none). */
    private long watchHit = -1;
    private final X86DebugAccess debugAccess;
    private volatile boolean interruptRequest;
    /**
     * Most instructions one translated run may retire before the run loop looks at requests again
     * (a translated loop runs its passes without returning).
     */
    private static final int TRANSLATED_RUN = 1 << 14;
    /** The compiling tier, or null when everything interprets. */
    private CompilingTier compiler;

    /** Creates a vCPU wired to explicit parts (tests and tools); any of ports/mmio/pic may be null. */
    public X86Cpu(int vcpuId, GuestMemory memory, MmioSpace mmio, PortIoSpace ports, InterruptController pic,
                  LongSupplier nanos, long tscFrequencyHz, int cpuidSignature) {
        this.vcpuId = vcpuId;
        this.signature = cpuidSignature;
        this.core = new CpuCore(new PhysicalMemory(memory, mmio));
        this.sys = new SystemOps(core, new TimeStampCounter(nanos, tscFrequencyHz), cpuidSignature);
        this.escape = new EscapeOps(core);
        this.interpreter = new Interpreter(core, new PortAccess(core, ports), sys, escape);
        this.pic = pic;
        this.debugAccess = new X86DebugAccess(this);
        this.delivery = new EventDelivery(core, interpreter.blocks(), this::describe);
        // -Dtern.x86.translateAfter=N starts every vCPU with the compiling tier on (N = 1: every
        // translatable block at once), whatever the tier option, so whole test suites run on it.
        Integer forced = Integer.getInteger("tern.x86.translateAfter");
        if (forced != null) {
            setCompiling(forced);
        }
        reset();
    }

    /** Creates the vCPU described by a kernel context. */
    public static X86Cpu create(CpuContext ctx, long tscFrequencyHz, int cpuidSignature) {
        return new X86Cpu(ctx.vcpuId(), ctx.memory(), ctx.mmio(), ctx.ports(), ctx.interruptController(),
                () -> ctx.clock().nanos(), tscFrequencyHz, cpuidSignature);
    }

    /** The execution core, for white-box tests and diagnostics. */
    public CpuCore core() {
        return core;
    }

    /**
     * Turns the interpreter's pre-decoded fast forms on (the default) or off; results are the same
     * either way, so this is for differential tests and measurements.
     */
    public void setFastForms(boolean on) {
        interpreter.setFastForms(on);
    }

    /**
     * Selects the execution tier: with {@code compile} on, hot blocks of the compiling tier's subset
     * run as translated bytecode, translated on a background thread after
     * {@link BlockCompiler#TRANSLATE_AFTER_VISITS} entries; off (the default), everything interprets.
     */
    public void setCompiling(boolean compile) {
        setTier(compile ? new CompilingTier(BlockCompiler.TRANSLATE_AFTER_VISITS, false, CompilingTier.CACHE_BLOCKS) : null);
    }

    /**
     * Turns the compiling tier on, translating each block inline on its {@code translateAfterVisits}th
     * entry (1: every translatable block at once, as differential tests force the tier).
     */
    public void setCompiling(int translateAfterVisits) {
        setTier(new CompilingTier(translateAfterVisits, true, CompilingTier.CACHE_BLOCKS));
    }

    /** Sets the compiling tier (null: everything interprets); the blocks decoded so far start over. */
    public void setTier(CompilingTier tier) {
        if (compiler != null) {
            interpreter.blocks().clear();
        }
        compiler = tier;
        interpreter.blocks().onDrop(tier == null ? b -> { } : tier::dropped);
    }

    /** What the compiling tier did (null when it is off). */
    public TierStats tierStats() {
        CompilingTier t = compiler;
        return t == null ? null : t.stats();
    }

    /** Blocks the compiling tier translated (0 when it is off). */
    public int translatedBlocks() {
        CompilingTier t = compiler;
        return t == null ? 0 : (int) t.stats().translated();
    }

    /** Attaches the x87 unit (null detaches it); CPUID then advertises an FPU. */
    public void attachFpu(X87Unit unit) {
        fpu = unit;
        escape.attach(unit);
        sys.setFpuPresent(unit != null);
    }

    /** The A20 gate, driven by the i8042 output port or port 0x92. */
    public void setA20(boolean enabled) {
        if (core.a20 != enabled) {
            core.a20 = enabled;
            core.pagingChanged();
        }
    }

    /**
     * HLT with IF clear, or an AP waiting for a startup IPI: without a local APIC (no NMI, INIT or
     * SIPI can arrive) only a reset ends it. With one, another vCPU may still send them; the
     * machine sees that the other vCPUs are idle too before ending the run.
     */
    @Override
    public boolean haltedForever() {
        return waitForSipi || halted && core.flags(CpuCore.IF) == 0;
    }

    @Override
    public dev.tern.spi.irq.CpuInterruptPort connectLocalController(InterruptController controller) {
        if (localApic != null) {
            throw new IllegalStateException("vCPU " + vcpuId + " already has a local interrupt controller");
        }
        localApic = java.util.Objects.requireNonNull(controller, "controller");
        sys.attachApic(vcpuId, vcpuId == 0);
        return new LocalInterruptPort(this, events, core);
    }

    @Override
    public void reset() {
        resetRegisters();
        sys.setMsrs(ModelSpecificRegisters.RESET);
        instructions = 0;
        events.clear();
    }

    /**
     * The power-on state, without touching the instruction count (read by other threads as the
     * machine's time) or the pending APIC inputs: an INIT taken on this thread must not drop the
     * startup IPI another vCPU's thread posts right after it.
     */
    private void resetRegisters() {
        CpuCore c = core;
        PowerOnState.apply(c, signature);
        if (escape.unit() != null) {
            escape.unit().reset();
        }
        watchHit = -1;
        c.debug.host.forgetStop();
        delivery.forget();
        halted = false;
        shadowUntil = -1;
        c.nmiBlocked = false;
        waitForSipi = vcpuId != 0;
    }

    /**
     * INIT: the registers as at reset, but the instruction count (the machine's time), the TSC,
     * IA32_APIC_BASE and the x87 unit stay; an AP then waits for a startup IPI, the BSP restarts at
     * the reset vector.
     */
    private void enterInitState() {
        long count = instructions;
        long tscOffset = sys.tsc().offset();
        long apicBase = sys.apicBase();
        X87State x87 = fpu != null ? fpu.save() : null;
        resetRegisters();
        instructions = count;
        retired = count;
        sys.tsc().setOffset(tscOffset);
        sys.setApicBase(apicBase);
        if (x87 != null) {
            fpu.load(x87);
        }
        waitForSipi = (apicBase & 0x100) == 0;
    }

    /** Takes the pending NMI/INIT/SIPI events; returns the shutdown reason of a failed NMI delivery, or null. */
    private String takeEvents() {
        int pending = events.take();
        if ((pending & ApicEvents.INIT) != 0) {
            enterInitState();
        }
        if ((pending & ApicEvents.SIPI) != 0 && waitForSipi) {
            int vector = events.sipiVector();
            waitForSipi = false;
            halted = false;
            core.seg[CpuCore.CS].set(vector << 8, vector << 12, 0xffff, 0x93, true);
            core.eip = 0;
            interpreter.blocks().distrust();
        }
        if ((pending & ApicEvents.NMI) != 0 && !waitForSipi) {
            if (core.nmiBlocked) {
                events.post(ApicEvents.NMI, 0); // held until the handler's IRET
            } else {
                halted = false;
                core.nmiBlocked = true;
                return delivery.interrupt(NMI_VECTOR);
            }
        }
        return null;
    }

    @Override
    public VcpuExit run(long maxInstructions) {
        long count = instructions;
        try {
            return runLoop(count, count + Math.max(0, maxInstructions));
        } finally {
            instructions = retired;
        }
    }

    /** The retired count as of the last run-loop step (kept in a field only for the finally block). */
    private long retired;

    private VcpuExit runLoop(long count, long end) {
        CpuCore c = core;
        Interpreter interp = interpreter;
        long shadow = shadowUntil;
        // Devices may have written guest memory since the last slice.
        interp.blocks().distrust();
        // EIP the last one-at-a-time instruction left unchanged (a REP iteration): no block starts
        // there, so the next iteration skips the block lookup.
        int stayedAt = -1;
        try {
            while (true) {
                if (exitRequested) {
                    exitRequested = false;
                    return VcpuExit.EXIT_REQUESTED;
                }
                if (events.due(c.nmiBlocked)) {
                    instructions = count;
                    String fatal = takeEvents();
                    count = instructions;
                    if (fatal != null) {
                        return new VcpuExit.Shutdown(fatal);
                    }
                }
                if (waitForSipi) {
                    return VcpuExit.HALTED;
                }
                if (interruptRequest && c.flags(CpuCore.IF) != 0 && count != shadow && (pic != null || localApic != null)) {
                    halted = false;
                    int vector = (localApic != null ? localApic : pic).acknowledge() & 0xff;
                    String fatal = delivery.interrupt(vector);
                    if (fatal != null) {
                        return new VcpuExit.Shutdown(fatal);
                    }
                }
                if (halted) {
                    return VcpuExit.HALTED;
                }
                if (count >= end) {
                    return VcpuExit.BUDGET_EXHAUSTED;
                }
                int debugFlags = c.flags(CpuCore.TF | CpuCore.RF);
                boolean trap = (debugFlags & CpuCore.TF) != 0;
                boolean noInterruptDue = !(interruptRequest && c.flag(CpuCore.IF));
                // A decoded block runs only when no interrupt could be accepted at any of its
                // instruction boundaries and no single-step trap is due: then the per-instruction
                // checks above cannot fire inside it, and block boundaries never decide anything.
                // EFLAGS.RF and breakpoints in the block keep it out too (see DebugRegisters).
                if (debugFlags == 0 && c.eip != stayedAt && noInterruptDue) {
                    DecodedBlock b = interp.blocks().enter();
                    if (b != null && c.debug.admits(b)) {
                        try {
                            count = runBlock(b, count, end);
                        } catch (CpuFault f) {
                            count = instructions;
                            String fatal = delivery.exception(f);
                            if (fatal != null) {
                                return new VcpuExit.Shutdown(fatal);
                            }
                            continue;
                        }
                        int hits = c.debug.takePending();
                        String fatal = hits == 0 ? null : delivery.debug(hits);
                        if (fatal != null) {
                            return new VcpuExit.Shutdown(fatal);
                        }
                        if (c.debug.armed() && watched()) {
                            return new VcpuExit.Debug(Integer.toUnsignedLong(linearPc()));
                        }
                        continue;
                    }
                }
                int result;
                int before = c.eip;
                if (debugFlags != 0 || c.debug.armed()) {
                    // RF marks a REP iteration (or a resumed guest breakpoint): no instruction starts here
                    if ((debugFlags & CpuCore.RF) == 0 && c.debug.host.breaksAt(linearPc(), count)) {
                        return new VcpuExit.Debug(Integer.toUnsignedLong(linearPc()));
                    }
                    int hits = c.debug.beforeInstruction();
                    if (hits != 0) {
                        String fatal = delivery.debug(hits);
                        if (fatal != null) {
                            return new VcpuExit.Shutdown(fatal);
                        }
                        continue;
                    }
                }
                // A REP string instruction may run several iterations in this step when nothing
                // could stop it between them: the same conditions as for a block, plus no armed
                // breakpoints (see StringOps.execute for what it checks per iteration).
                boolean free = !trap && !c.debug.armed() && noInterruptDue;
                c.repRoom = free ? Math.min(end - count, Integer.MAX_VALUE) : 1;
                c.repDone = 0;
                try {
                    result = interp.step();
                    stayedAt = c.eip == before ? before : -1;
                } catch (CpuFault f) {
                    stayedAt = -1;
                    // Iterations completed before the faulting one retired.
                    count += c.repDone;
                    instructions = count;
                    String fatal = delivery.exception(f);
                    if (fatal != null) {
                        return new VcpuExit.Shutdown(fatal);
                    }
                    continue;
                } finally {
                    c.repRoom = 1;
                }
                count += c.repDone == 0 ? 1 : c.repDone;
                if (c.eip == before && c.rep != 0) {
                    // A REP iteration with more to do: no new instruction starts at EIP, so its
                    // breakpoint must not be checked again, and an event taken here pushes RF = 1
                    // (SDM). Setting RF itself does both, and survives run slices and snapshots.
                    c.ef.putBetweenInstructions(CpuCore.RF, true);
                }
                // Devices and RDTSC read virtual time (derived from this count) in the middle of a
                // run: it must be exact here, not as of the slice start, or guest time would depend
                // on where slices happen to begin (and a restored snapshot would drift).
                instructions = count;
                if (result != Interpreter.NORMAL) {
                    if (result == Interpreter.SHADOW) {
                        shadow = count;
                    } else {
                        halted = true;
                    }
                }
                int hits = c.debug.takePending();
                if (trap || hits != 0) {
                    String fatal = delivery.debug(hits | (trap ? DebugRegisters.BS : 0));
                    if (fatal != null) {
                        return new VcpuExit.Shutdown(fatal);
                    }
                }
                if (c.debug.armed() && watched()) {
                    return new VcpuExit.Debug(Integer.toUnsignedLong(linearPc()));
                }
                if (halted) {
                    return VcpuExit.HALTED;
                }
            }
        } finally {
            retired = count;
            shadowUntil = shadow;
        }
    }

    /**
     * Runs an entered block, and runs it again while it loops back to its own start (a tight
     * guest loop) with nothing having set {@link CpuCore#blockBreak}: that is exactly what the
     * run loop and {@link BlockTable#enter()} would decide, without their per-block cost.
     * Returns the new instruction count; when an instruction faults, {@link #instructions} holds
     * the count before it.
     */
    private long runBlock(DecodedBlock b, long start, long end) {
        CpuCore c = core;
        Interpreter interp = interpreter;
        int size = b.size();
        long count = start;
        instructions = count;
        while (true) {
            long room = end - count;
            // The first instruction the interpreter runs in this pass (after a translated run stopped).
            int from = 0;
            CompilingTier tier = compiler;
            if (tier != null && room >= size) {
                if (tier.hasFinished()) {
                    // A block boundary: installing now changes nothing but how the next blocks run.
                    tier.installFinished();
                }
                CompiledBlock t = b.compiled;
                if (t == null) {
                    // Counting stops at the threshold: a block that did not translate costs one compare.
                    int hot = tier.hotAfter(size);
                    if (b.visits < hot && ++b.visits == hot) {
                        t = tier.hot(b, c.seg[CpuCore.CS].limit);
                    }
                }
                if (t != null) {
                    t.used = true;
                    // Whole passes only, so the count stays exact; an access off the TLB's fast
                    // path stops it before that instruction, which the interpreter then runs.
                    int ran = t.run(c, (int) Math.min(room, TRANSLATED_RUN));
                    if (ran >= 0) {
                        tier.ran(ran);
                        count += ran;
                        instructions = count;
                        if (c.blockBreak || count >= end || exitRequested || interruptRequest) {
                            return count;
                        }
                        if (!b.startsAt(c.eip)) {
                            DecodedBlock next = chained(tier);
                            if (next == null) {
                                return count;
                            }
                            b = next;
                            size = b.size();
                        }
                        continue;
                    }
                    ran = ~ran;
                    tier.ran(ran);
                    count += ran;
                    instructions = count;
                    from = ran % size;
                    tier.exited(t, from);
                    room = end - count;
                    if (room == 0) {
                        return count;
                    }
                }
            }
            int n = (int) Math.min(size, from + room);
            int i = from;
            while (i < n) {
                int at;
                try {
                    at = interp.runFastForms(b, i, n);
                } catch (CpuFault f) {
                    instructions = count + interp.retiredInPass() - from;
                    throw f;
                }
                if (at < 0) {
                    i = ~at;
                    break;
                }
                i = at;
                if (i == n) {
                    break;
                }
                // Instruction i has no fast form. The generic path may read virtual time (RDTSC, a
                // device), so the count must be exact before it; a fault there leaves it so.
                instructions = count + i - from;
                boolean more = interp.executeInBlock(b, i);
                i++;
                if (!more) {
                    break;
                }
            }
            count += i - from;
            instructions = count;
            // blockBreak is a plain field that other threads also set; the volatile requests are
            // read here too so a looping block always sees them within one pass.
            if (i != size || c.blockBreak || !b.startsAt(c.eip) || count >= end || exitRequested
                    || interruptRequest) {
                return count;
            }
        }
    }

    /**
     * The block a translated run's exit leads to, when the run loop would enter it next with
     * nothing else to do first; null sends the exit back through the run loop. Translated code
     * cannot halt, change TF, RF or IF, start an interrupt shadow, load CS, fault or hit a
     * breakpoint, so past the checks {@link #runBlock} made, what remains of the run loop's are
     * pending APIC events and armed breakpoints, and its lookup is the table's linked successor.
     */
    private DecodedBlock chained(CompilingTier tier) {
        if (events.due(core.nmiBlocked) || core.debug.armed()) {
            return null;
        }
        DecodedBlock next = interpreter.blocks().enterLinked();
        if (next != null) {
            tier.chained();
        }
        return next;
    }

    private int linearPc() {
        return core.seg[CpuCore.CS].base + core.eip;
    }

    /** Whether the instruction that just retired touched a host watchpoint (then {@link #watchHit} holds it). */
    private boolean watched() {
        long hit = core.debug.host.takeHit();
        if (hit < 0) {
            return false;
        }
        watchHit = hit;
        return true;
    }

    /** The data address of the watchpoint hit that ended the last run, once. */
    OptionalLong takeWatchHit() {
        long h = watchHit;
        watchHit = -1;
        return h < 0 ? OptionalLong.empty() : OptionalLong.of(h);
    }

    /** The x87 state, or null without an FPU. */
    X87State fpuState() {
        return fpu != null ? fpu.save() : null;
    }

    /** Code a debugger patched must be decoded again. */
    void distrustBlocks() {
        interpreter.blocks().distrust();
    }

    @Override
    public dev.tern.spi.cpu.DebugAccess debug() {
        return debugAccess;
    }

    /** Vector of the first exception raised by an instruction since load/reset (-1 if none). */
    public int firstException() {
        return delivery.firstException();
    }

    @Override
    public long instructionCount() {
        return instructions;
    }

    @Override
    public void requestExit() {
        exitRequested = true;
        core.blockBreak = true;
    }

    @Override
    public void setInterruptRequest(boolean asserted) {
        interruptRequest = asserted;
        core.blockBreak = true;
    }

    @Override
    public void writeProtectAll() {
        core.mmu.flushWrites();
    }

    @Override
    public void markWritableDirty() {
        core.mmu.markWritableDirty();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new CpuStateSection(this, vcpuId));
    }

    @Override
    public String describe() {
        CpuCore c = core;
        return String.format("cs:eip=%04x:%08x eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x "
                        + "ebp=%08x esp=%08x eflags=%08x cr0=%08x cpl=%d count=%d%s",
                c.seg[CpuCore.CS].selector, c.eip, c.r[0], c.r[3], c.r[1], c.r[2], c.r[6], c.r[7], c.r[5],
                c.r[4], c.ef.peek(), c.cr0, c.cpl, instructions, halted ? " halted" : "");
    }

    /**
     * The local APIC's inputs as the CPU holds them: waiting for a startup IPI, NMI/INIT/SIPI not
     * taken yet (bits of {@link ApicEvents}) and the last startup vector, NMIs blocked by a handler.
     */
    public record ApicInputState(boolean waitForSipi, int pending, int sipiVector, boolean nmiBlocked) {
        boolean idle() {
            return !waitForSipi && pending == 0 && !nmiBlocked;
        }
    }

    SystemOps systemOps() {
        return sys;
    }

    /** SYSENTERs this CPU completed since it was made (whether a guest takes the fast system call path). */
    public long sysenterCount() {
        return sys.fastSystemCall().entries();
    }

    /** SYSEXITs this CPU completed since it was made. */
    public long sysexitCount() {
        return sys.fastSystemCall().exits();
    }

    ApicInputState apicInputs() {
        return new ApicInputState(waitForSipi, events.peek(), events.sipiVector(), core.nmiBlocked);
    }

    /** Applies saved APIC inputs; after {@link #load}, which clears them. */
    void loadApicInputs(ApicInputState s) {
        waitForSipi = s.waitForSipi();
        events.restore(s.pending(), s.sipiVector());
        core.nmiBlocked = s.nmiBlocked();
        core.blockBreak = true;
    }

    /** Captures the architectural state. */
    public X86State save() {
        CpuCore c = core;
        List<SegmentState> segs = new ArrayList<>(6);
        for (Segment s : c.seg) {
            segs.add(stateOf(s));
        }
        return new X86State(c.r.clone(), c.eip, c.ef.peek(), List.copyOf(segs), stateOf(c.ldtr), stateOf(c.tr),
                c.gdtBase, c.gdtLimit, c.idtBase, c.idtLimit, c.cr0, c.cr2, c.cr3, c.cr4, c.dr.clone(), c.cpl,
                sys.tsc().offset(), sys.apicBase(), instructions, halted, shadowUntil == instructions,
                interruptRequest, c.a20, fpu != null ? fpu.save() : X86State.FPU_POWER_ON);
    }

    private static SegmentState stateOf(Segment s) {
        return new SegmentState(s.selector, s.base, s.limit, s.attr, s.usable);
    }

    private static void apply(Segment s, SegmentState st) {
        s.set(st.selector(), st.base(), st.limit(), st.attr(), st.usable());
    }

    /**
     * Loads a state (saved earlier or built by a test).
     *
     * @throws IllegalArgumentException naming the inconsistency when the state is impossible
     */
    public void load(X86State st) {
        st.problem().ifPresent(p -> {
            throw new IllegalArgumentException("x86-cpu state rejected: " + p);
        });
        CpuCore c = core;
        System.arraycopy(st.gprs(), 0, c.r, 0, 8);
        c.eip = st.eip();
        c.setFlags(st.eflags());
        for (int i = 0; i < 6; i++) {
            apply(c.seg[i], st.segments().get(i));
        }
        apply(c.ldtr, st.ldtr());
        apply(c.tr, st.tr());
        c.gdtBase = st.gdtBase();
        c.gdtLimit = st.gdtLimit();
        c.idtBase = st.idtBase();
        c.idtLimit = st.idtLimit();
        c.cr0 = st.cr0();
        c.cr2 = st.cr2();
        c.cr3 = st.cr3();
        c.cr4 = st.cr4();
        System.arraycopy(st.dr(), 0, c.dr, 0, 8);
        c.setCpl(st.cpl());
        sys.tsc().setOffset(st.tscOffset());
        sys.setApicBase(st.apicBase());
        sys.setMsrs(ModelSpecificRegisters.RESET); // an older state has no "msrs" subsection: RESET values
        instructions = st.instructionCount();
        watchHit = -1;
        c.debug.host.forgetStop();
        delivery.forget();
        halted = st.halted();
        waitForSipi = false; // a loaded state runs (CpuStateSection restores the wait through its subsection)
        events.clear();
        c.nmiBlocked = false;
        shadowUntil = st.interruptShadow() ? instructions : -1;
        interruptRequest = st.interruptRequest();
        c.a20 = st.a20();
        if (fpu != null) {
            fpu.load(st.fpu());
        }
        c.phys.refreshRegions();
        c.pagingChanged();
        c.debug.configure();
    }
}
