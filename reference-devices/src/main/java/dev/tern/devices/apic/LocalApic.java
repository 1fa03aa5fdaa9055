package dev.tern.devices.apic;

import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.io.MmioHandler;

import java.util.Arrays;

/**
 * One vCPU's xAPIC (Intel SDM vol. 3, ch. 11): the register page, interrupt acceptance with the
 * task/processor priority rules, in-service tracking and EOI, the local vector table (timer,
 * LINT0/1, error; thermal and performance-counter entries are kept but never fire), the error
 * status register, and the ICR from which IPIs leave for the {@link ApicBus}.
 *
 * <p>Every entry point runs under the bus lock (the caller's or its own), so IPIs between APICs,
 * I/O APIC messages and EOI broadcasts see one consistent state. The one exception is an ExtINT
 * acknowledge: the 8259 is asked for the vector outside the lock, because the 8259 drives LINT0
 * while holding its own.
 */
final class LocalApic implements MmioHandler, InterruptController {

    /** Version 0x14 (integrated xAPIC) with LVT entries 0..5. */
    static final int VERSION = 0x0005_0014;
    static final int LVT_COUNT = 6;
    static final int LVT_TIMER = 0;
    static final int LVT_LINT0 = 3;
    static final int LVT_LINT1 = 4;
    static final int LVT_ERROR = 5;
    static final int MASKED = 1 << 16;
    private static final int LEVEL = 1 << 15;
    private static final int REMOTE_IRR = 1 << 14;
    private static final int ACTIVE_LOW = 1 << 13;
    private static final int PERIODIC = 1 << 17;
    /** Writable bits of each LVT entry: timer, thermal, perf, LINT0, LINT1, error. */
    private static final int[] LVT_WRITABLE = {0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff};

    static final int ERROR_SEND_ILLEGAL_VECTOR = 1 << 5;
    static final int ERROR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
    static final int ERROR_ILLEGAL_REGISTER = 1 << 7;

    /** What an APIC sends out: IPIs and EOI broadcasts. */
    interface Outbox {
        /** Routes an IPI from this APIC's ICR. */
        void send(ApicMessage message);

        /** Tells the I/O APICs that the level-triggered {@code vector} was serviced. */
        void eoi(int vector);
    }

    private final Object lock;
    private final int index;
    private final Outbox outbox;
    private final InterruptController extInt;
    private final ApicTimer timer;
    private CpuInterruptPort cpu = new CpuInterruptPort() {
        @Override
        public void setInterruptRequest(boolean asserted) {
        }
    };

    private int id;
    private int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private final int[] isr = new int[8];
    private final int[] tmr = new int[8];
    private final int[] irr = new int[8];
    private int esr;
    private int pendingErrors;
    private int icrLow;
    private int icrHigh;
    private final int[] lvt = new int[LVT_COUNT];
    private int lintPins;
    private boolean extIntRequest;
    private boolean intr;

    /**
     * @param lock the APIC bus lock
     * @param index the vCPU index, also the APIC ID at power-on
     * @param outbox where IPIs and EOI broadcasts go
     * @param extInt the 8259, asked for the vector of an ExtINT delivery
     * @param timer the timer counter
     */
    LocalApic(Object lock, int index, Outbox outbox, InterruptController extInt, ApicTimer timer) {
        this.lock = lock;
        this.index = index;
        this.outbox = outbox;
        this.extInt = extInt;
        this.timer = timer;
        powerOn();
    }

    /** Connects the vCPU this APIC delivers to. */
    void attach(CpuInterruptPort port) {
        cpu = port;
    }

    int index() {
        return index;
    }

    /** Creates the timer's virtual timer (at realize). */
    void timerConnect(String name) {
        timer.connect(name, this::timerExpired);
    }

    /** Power-on / machine reset: the APIC ID returns to the vCPU index. */
    void powerOn() {
        id = index << 24;
        initReset();
    }

    /** INIT: everything but the APIC ID returns to its power-on value (SDM 11.4.7.3). */
    void initReset() {
        tpr = 0;
        ldr = 0;
        dfr = 0xffff_ffff;
        svr = 0xff;
        Arrays.fill(isr, 0);
        Arrays.fill(tmr, 0);
        Arrays.fill(irr, 0);
        esr = 0;
        pendingErrors = 0;
        icrLow = 0;
        icrHigh = 0;
        Arrays.fill(lvt, MASKED);
        extIntRequest = false;
        timer.reset();
        update();
    }

    // ---- priorities ----

    private static int highest(int[] bits) {
        for (int w = 7; w >= 0; w--) {
            if (bits[w] != 0) {
                return w * 32 + 31 - Integer.numberOfLeadingZeros(bits[w]);
            }
        }
        return -1;
    }

    private static boolean test(int[] bits, int v) {
        return (bits[v >>> 5] & (1 << (v & 31))) != 0;
    }

    private static void put(int[] bits, int v, boolean on) {
        if (on) {
            bits[v >>> 5] |= 1 << (v & 31);
        } else {
            bits[v >>> 5] &= ~(1 << (v & 31));
        }
    }

    /** Processor priority: the task priority, or the in-service class when that is higher. */
    int ppr() {
        int isrv = Math.max(highest(isr), 0);
        return (tpr >>> 4) >= (isrv >>> 4) ? tpr : isrv & 0xf0;
    }

    private int apr() {
        int isrv = Math.max(highest(isr), 0);
        int irrv = Math.max(highest(irr), 0);
        if ((tpr >>> 4) >= (irrv >>> 4) && (tpr >>> 4) > (isrv >>> 4)) {
            return tpr;
        }
        return Math.max(tpr & 0xf0, Math.max(isrv & 0xf0, irrv & 0xf0));
    }

    /** The requested vector the CPU would take now, or -1: its class must exceed the processor priority's. */
    private int deliverable() {
        int v = highest(irr);
        return v >= 0 && (v & 0xf0) > (ppr() & 0xf0) ? v : -1;
    }

    private boolean softwareEnabled() {
        return (svr & 0x100) != 0;
    }

    private boolean extIntAsserted() {
        if (extIntRequest) {
            return true;
        }
        for (int pin = 0; pin < 2; pin++) {
            int e = lvt[LVT_LINT0 + pin];
            if ((e & MASKED) == 0 && DeliveryMode.of(e >> 8) == DeliveryMode.EXTINT && lintActive(pin)) {
                return true;
            }
        }
        return false;
    }

    /** Drives INTR: high while an ExtINT is asserted or a request beats the processor priority. */
    private void update() {
        boolean out = extIntAsserted() || deliverable() >= 0;
        if (out != intr) {
            intr = out;
            cpu.setInterruptRequest(out);
        }
    }

    @Override
    public int acknowledge() {
        synchronized (lock) {
            if (!extIntAsserted()) {
                int v = deliverable();
                if (v < 0) {
                    // The request went away (TPR raised, masked) between INTR and the acknowledge.
                    return svr & 0xff;
                }
                put(irr, v, false);
                put(isr, v, true);
                update();
                return v;
            }
            extIntRequest = false;
        }
        int vector = extInt.acknowledge();
        synchronized (lock) {
            update();
        }
        return vector;
    }

    // ---- acceptance ----

    /** Whether a message with this destination addresses this APIC (xAPIC physical, flat or cluster logical). */
    boolean matches(boolean logical, int destination) {
        int dest = destination & 0xff;
        if (dest == 0xff) {
            return true;
        }
        if (!logical) {
            return dest == id >>> 24;
        }
        int logicalId = ldr >>> 24;
        return switch (dfr >>> 28) {
            case 0xf -> (logicalId & dest) != 0;
            case 0x0 -> (logicalId >>> 4) == (dest >>> 4) && (logicalId & dest & 0xf) != 0;
            default -> false;
        };
    }

    /** A message the bus routed here. */
    void accept(ApicMessage m) {
        switch (m.mode()) {
            case FIXED, LOWEST_PRIORITY -> acceptVector(m.vector(), m.levelTriggered());
            case NMI -> cpu.nmi();
            case INIT -> {
                if (m.assertLevel() || !m.levelTriggered()) {
                    initReset();
                    cpu.init();
                }
                // INIT level de-assert: arbitration-ID sync, which xAPICs do not need.
            }
            case STARTUP -> cpu.startup(m.vector());
            case EXTINT -> {
                extIntRequest = true;
                update();
            }
            case SMI -> { } // no system-management mode
        }
    }

    private void acceptVector(int vector, boolean level) {
        if (!softwareEnabled()) {
            return;
        }
        if (vector < 16) {
            error(ERROR_RECEIVE_ILLEGAL_VECTOR);
            return;
        }
        put(irr, vector, true);
        put(tmr, vector, level);
        update();
    }

    private void error(int bit) {
        boolean first = (pendingErrors & bit) == 0;
        pendingErrors |= bit;
        int e = lvt[LVT_ERROR];
        if (first && (e & MASKED) == 0) {
            acceptVector(e & 0xff, false);
        }
    }

    private void eoi() {
        int v = highest(isr);
        if (v < 0) {
            return;
        }
        put(isr, v, false);
        // TMR keeps its bit: acceptance sets or clears it, the EOI only reads it.
        if (test(tmr, v)) {
            outbox.eoi(v);
            for (int pin = 0; pin < 2; pin++) {
                int e = lvt[LVT_LINT0 + pin];
                if ((e & REMOTE_IRR) != 0 && (e & 0xff) == v) {
                    lvt[LVT_LINT0 + pin] = e & ~REMOTE_IRR;
                    lintChanged(pin, false);
                }
            }
        }
        update();
    }

    // ---- LINT pins ----

    private boolean lintActive(int pin) {
        boolean high = (lintPins & (1 << pin)) != 0;
        return high != ((lvt[LVT_LINT0 + pin] & ACTIVE_LOW) != 0);
    }

    /** A LINT pin's wire changed level (LINT0: the 8259's INTR in virtual-wire mode; LINT1: NMI). */
    void setLint(int pin, boolean level) {
        boolean was = lintActive(pin);
        lintPins = level ? lintPins | (1 << pin) : lintPins & ~(1 << pin);
        boolean now = lintActive(pin);
        if (now != was || now) {
            lintChanged(pin, now && !was);
        }
        update();
    }

    private void lintChanged(int pin, boolean rising) {
        int e = lvt[LVT_LINT0 + pin];
        if ((e & MASKED) != 0 || !lintActive(pin)) {
            return;
        }
        switch (DeliveryMode.of(e >> 8)) {
            case FIXED -> {
                // LINT1 is edge-only; a level LINT0 delivers once until the EOI clears remote IRR.
                if (pin == 0 && (e & LEVEL) != 0) {
                    if ((e & REMOTE_IRR) == 0) {
                        lvt[LVT_LINT0] = e | REMOTE_IRR;
                        acceptVector(e & 0xff, true);
                    }
                } else if (rising) {
                    acceptVector(e & 0xff, false);
                }
            }
            case NMI -> {
                if (rising) {
                    cpu.nmi();
                }
            }
            case INIT -> {
                if (rising) {
                    initReset();
                    cpu.init();
                }
            }
            default -> { } // ExtINT follows the level in update(); SMI is not modelled
        }
    }

    // ---- timer ----

    private boolean periodic() {
        return (lvt[LVT_TIMER] & PERIODIC) != 0;
    }

    /** The virtual timer fired (event thread). */
    void timerExpired() {
        synchronized (lock) {
            if (timer.expire(periodic()) && (lvt[LVT_TIMER] & MASKED) == 0) {
                acceptVector(lvt[LVT_TIMER] & 0xff, false);
            }
        }
    }

    // ---- registers ----

    @Override
    public long read(long offset, int size) {
        int sub = (int) (offset & 0xf);
        if (sub + size > 4 && sub < 4) {
            size = 4 - sub;
        }
        if (sub >= 4) {
            return 0;
        }
        int value;
        synchronized (lock) {
            value = readRegister((int) (offset & 0xff0));
        }
        long v = Integer.toUnsignedLong(value) >>> (sub * 8);
        return size >= 4 ? v : v & ((1L << (size * 8)) - 1);
    }

    @Override
    public void write(long offset, int size, long value) {
        if ((offset & 0xf) != 0 || size < 4) {
            return; // the SDM defines only aligned 32-bit accesses; others are dropped
        }
        synchronized (lock) {
            writeRegister((int) (offset & 0xff0), (int) value);
        }
    }

    int readRegister(int reg) {
        return switch (reg) {
            case 0x020 -> id;
            case 0x030 -> VERSION;
            case 0x080 -> tpr;
            case 0x090 -> apr();
            case 0x0a0 -> ppr();
            case 0x0b0, 0x0c0 -> 0;
            case 0x0d0 -> ldr;
            case 0x0e0 -> dfr;
            case 0x0f0 -> svr;
            case 0x280 -> esr;
            case 0x300 -> icrLow;
            case 0x310 -> icrHigh;
            case 0x380 -> timer.initialCount();
            case 0x390 -> timer.currentCount(periodic());
            case 0x3e0 -> timer.divideConfig();
            default -> readArrayRegister(reg);
        };
    }

    private int readArrayRegister(int reg) {
        if (reg >= 0x100 && reg < 0x280) {
            int[] bits = reg < 0x180 ? isr : reg < 0x200 ? tmr : irr;
            return bits[(reg >> 4) & 7];
        }
        if (reg >= 0x320 && reg < 0x380) {
            return lvt[(reg - 0x320) >> 4];
        }
        error(ERROR_ILLEGAL_REGISTER);
        return 0;
    }

    void writeRegister(int reg, int value) {
        switch (reg) {
            case 0x020 -> id = value & 0xff00_0000;
            case 0x080 -> {
                tpr = value & 0xff;
                update();
            }
            case 0x0b0 -> eoi();
            case 0x0d0 -> ldr = value & 0xff00_0000;
            case 0x0e0 -> dfr = value | 0x0fff_ffff;
            case 0x0f0 -> writeSvr(value);
            case 0x280 -> {
                esr = pendingErrors;
                pendingErrors = 0;
            }
            case 0x300 -> {
                icrLow = value & 0x000c_cfff;
                send();
            }
            case 0x310 -> icrHigh = value & 0xff00_0000;
            case 0x380 -> timer.writeInitial(value, periodic());
            case 0x3e0 -> timer.writeDivide(value, periodic());
            case 0x030, 0x090, 0x0a0, 0x0c0, 0x390 -> { } // read-only
            default -> writeArrayRegister(reg, value);
        }
    }

    private void writeArrayRegister(int reg, int value) {
        if (reg >= 0x320 && reg < 0x380) {
            writeLvt((reg - 0x320) >> 4, value);
        } else if (reg < 0x100 || reg >= 0x280) {
            error(ERROR_ILLEGAL_REGISTER);
        } // ISR, TMR and IRR are read-only
    }

    private void writeSvr(int value) {
        svr = value & 0x3ff;
        if (!softwareEnabled()) {
            for (int i = 0; i < LVT_COUNT; i++) {
                lvt[i] |= MASKED;
            }
        }
        update();
    }

    private void writeLvt(int i, int value) {
        boolean wasPeriodic = periodic();
        int kept = lvt[i] & REMOTE_IRR;
        int e = (value & LVT_WRITABLE[i]) | kept;
        if (!softwareEnabled()) {
            e |= MASKED;
        }
        if (i == LVT_LINT1) {
            e &= ~LEVEL;
        }
        lvt[i] = e;
        if (i == LVT_TIMER && periodic() != wasPeriodic) {
            timer.modeChanged(periodic());
        }
        if (i == LVT_LINT0 || i == LVT_LINT1) {
            lintChanged(i - LVT_LINT0, false);
        }
        update();
    }

    private void send() {
        DeliveryMode mode = DeliveryMode.of(icrLow >> 8);
        int vector = icrLow & 0xff;
        if ((mode == DeliveryMode.FIXED || mode == DeliveryMode.LOWEST_PRIORITY) && vector < 16) {
            error(ERROR_SEND_ILLEGAL_VECTOR);
            return;
        }
        ApicMessage.Shorthand shorthand = ApicMessage.Shorthand.values()[(icrLow >> 18) & 3];
        if (shorthand == ApicMessage.Shorthand.SELF && mode != DeliveryMode.FIXED) {
            return; // the self shorthand carries fixed interrupts only
        }
        outbox.send(new ApicMessage(mode, vector, (icrLow & 0x800) != 0, icrHigh >>> 24, shorthand,
                (icrLow & LEVEL) != 0, (icrLow & 0x4000) != 0, id >>> 24));
    }

    // ---- state ----

    LocalApicState save() {
        return new LocalApicState(id, tpr, ldr, dfr, svr, isr.clone(), tmr.clone(), irr.clone(), esr, pendingErrors,
                icrLow, icrHigh, lvt.clone(), timer.initialCount(), timer.divideConfig(), timer.start(),
                timer.counting(), lintPins, extIntRequest);
    }

    void load(LocalApicState s) {
        id = s.id() & 0xff00_0000;
        tpr = s.tpr();
        ldr = s.ldr() & 0xff00_0000;
        dfr = s.dfr() | 0x0fff_ffff;
        svr = s.svr();
        System.arraycopy(s.isr(), 0, isr, 0, 8);
        System.arraycopy(s.tmr(), 0, tmr, 0, 8);
        System.arraycopy(s.irr(), 0, irr, 0, 8);
        esr = s.esr();
        pendingErrors = s.pendingErrors();
        icrLow = s.icrLow() & 0x000c_cfff;
        icrHigh = s.icrHigh() & 0xff00_0000;
        for (int i = 0; i < LVT_COUNT; i++) {
            lvt[i] = s.lvt()[i] & (LVT_WRITABLE[i] | REMOTE_IRR);
        }
        lintPins = s.lintPins();
        extIntRequest = s.extIntRequest();
        timer.load(s.timerInitial(), s.timerDivide(), s.timerStart(), s.timerCounting(), periodic());
        update();
    }

    void powerOff() {
        timer.cancel();
    }
}
