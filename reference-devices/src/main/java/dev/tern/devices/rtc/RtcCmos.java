package dev.tern.devices.rtc;

import dev.tern.devices.time.Timebase;
import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * The MC146818 real-time clock with 128 bytes of CMOS RAM at ports 0x70/0x71, interrupting on IRQ8.
 *
 * <p>Time is a base date plus virtual time: {@code baseSeconds} at {@code phaseNanos}, with an
 * update every virtual second after that. The time registers are computed when read, except while
 * updates are stopped (SET, or the divider held in reset), when they hold the frozen time and
 * take guest writes as they are. Interrupt flags are derived lazily for the interval since the last
 * look; a timer is armed only when an enabled interrupt whose flag is still clear is due.
 *
 * <p>The CMOS is battery backed: a guest reset clears only the interrupt enables and flags.
 */
public final class RtcCmos implements Device {

    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    static final int CENTURY = 0x32;
    static final long NS = 1_000_000_000L;
    /** UIP is set this long before each update. */
    static final long UIP_NANOS = 244_000;
    private static final int B_SET = 0x80;
    private static final int B_PIE = 0x40;
    private static final int B_AIE = 0x20;
    private static final int B_UIE = 0x10;
    private static final int C_IRQF = 0x80;
    private static final int C_PF = 0x40;
    private static final int C_AF = 0x20;
    private static final int C_UF = 0x10;
    /** Alarm scans stop after a day: every valid alarm matches once within it. */
    private static final long ALARM_SCAN_LIMIT = 86_400;

    private final DeviceContext context;
    private final long startSeconds;
    private final byte[] cmos = new byte[128];
    private Registration registration;
    private InterruptLine irq = InterruptLine.NONE;
    private Timer timer;
    private boolean irqLevel;
    private int index;
    private boolean nmiMasked;
    private long baseSeconds;
    private long phaseNanos;
    private long lastCheckNanos;

    RtcCmos(DeviceContext context, long startSeconds) {
        this.context = context;
        this.startSeconds = startSeconds;
    }

    @Override
    public void realize() {
        irq = context.interrupts().line(8);
        timer = context.clock().newTimer(context.instanceName() + " rtc", this::onTimer);
        registration = context.ports().register(context.instanceName(), 0x70, 2, new ByteWidePorts(0x70, 2) {
            @Override
            protected int readByte(int port) {
                return port == 0x70 ? 0xff : readData();
            }

            @Override
            protected void writeByte(int port, int value) {
                if (port == 0x70) {
                    selectIndex(value);
                } else {
                    writeData(value);
                }
            }
        });
        powerOnCmos();
    }

    /** First power-on: the battery-backed contents a PC's firmware would have left. */
    private synchronized void powerOnCmos() {
        long now = context.clock().nanos();
        cmos[REG_A] = 0x26;
        cmos[REG_B] = 0x02;
        cmos[REG_D] = (byte) 0x80;
        baseSeconds = startSeconds;
        phaseNanos = now;
        lastCheckNanos = now;
        writeMemorySize();
    }

    private void writeMemorySize() {
        long fourG = 1L << 32;
        long low = 0;
        long high = 0;
        for (RamRegion r : context.memory().regions()) {
            if (r.readOnly()) {
                continue;
            }
            if (r.base() < fourG) {
                low = Math.max(low, Math.min(r.end(), fourG));
            }
            if (r.end() > fourG) {
                high += r.end() - Math.max(r.base(), fourG);
            }
        }
        putWord(0x15, 640);
        long extendedKb = Math.clamp((low - (1 << 20)) / 1024, 0, 0xffff);
        putWord(0x17, (int) extendedKb);
        putWord(0x30, (int) extendedKb);
        putWord(0x34, Math.clamp((low - (16 << 20)) / (64 << 10), 0, 0xffff));
        long high64k = Math.clamp(high / (64 << 10), 0, 0xff_ffff);
        cmos[0x5b] = (byte) high64k;
        cmos[0x5c] = (byte) (high64k >> 8);
        cmos[0x5d] = (byte) (high64k >> 16);
        int sum = 0;
        for (int i = 0x10; i <= 0x2d; i++) {
            sum += cmos[i] & 0xff;
        }
        cmos[0x2e] = (byte) (sum >> 8);
        cmos[0x2f] = (byte) sum;
    }

    private void putWord(int at, int value) {
        cmos[at] = (byte) value;
        cmos[at + 1] = (byte) (value >> 8);
    }

    private synchronized void selectIndex(int value) {
        index = value & 0x7f;
        nmiMasked = (value & 0x80) != 0;
    }

    /** Whether port 0x70 bit 7 masks NMIs. */
    public synchronized boolean nmiMasked() {
        return nmiMasked;
    }

    private CalendarFormat format() {
        return CalendarFormat.of(cmos[REG_B]);
    }

    private boolean dividerRunning() {
        return (cmos[REG_A] & 0x70) == 0x20;
    }

    private boolean frozen() {
        return (cmos[REG_B] & B_SET) != 0 || !dividerRunning();
    }

    private static boolean isTimeRegister(int i) {
        return i == 0 || i == 2 || i == 4 || (i >= 6 && i <= 9) || i == CENTURY;
    }

    private long currentSeconds(long now) {
        return baseSeconds + Math.floorDiv(now - phaseNanos, NS);
    }

    synchronized int readData() {
        long now = context.clock().nanos();
        catchUp(now);
        int i = index;
        int v;
        if (isTimeRegister(i) && !frozen()) {
            byte[] regs = new byte[128];
            format().write(currentSeconds(now), regs);
            v = regs[i] & 0xff;
        } else if (i == REG_A) {
            v = (cmos[REG_A] & 0x7f) | (updateInProgress(now) ? 0x80 : 0);
        } else if (i == REG_C) {
            v = cmos[REG_C] & 0xff;
            cmos[REG_C] = 0;
        } else if (i == REG_D) {
            v = 0x80;
        } else {
            v = cmos[i] & 0xff;
        }
        settle(now);
        return v;
    }

    private boolean updateInProgress(long now) {
        return !frozen() && Math.floorMod(now - phaseNanos, NS) >= NS - UIP_NANOS;
    }

    synchronized void writeData(int value) {
        long now = context.clock().nanos();
        catchUp(now);
        int i = index;
        if (isTimeRegister(i)) {
            writeTime(i, value, now);
        } else if (i == REG_A) {
            boolean wasFrozen = frozen();
            freezeIfStopping(wasFrozen, (cmos[REG_B] & 0xff) | ((value & 0x70) == 0x20 ? 0 : B_SET), now);
            cmos[REG_A] = (byte) (value & 0x7f);
            if (wasFrozen && !frozen()) {
                // Leaving divider reset: the first update comes half a second later.
                restart(now, now - NS / 2);
            }
        } else if (i == REG_B) {
            int v = value;
            if ((v & B_SET) != 0) {
                v &= ~B_UIE;
            }
            boolean wasFrozen = frozen();
            freezeIfStopping(wasFrozen, v, now);
            cmos[REG_B] = (byte) v;
            if (wasFrozen && !frozen()) {
                restart(now, now);
            }
        } else if (i != REG_C && i != REG_D) {
            cmos[i] = (byte) value;
        }
        settle(now);
    }

    /** Latches the running time into the registers when a write is about to stop updates. */
    private void freezeIfStopping(boolean wasFrozen, int newRegisterB, long now) {
        boolean willFreeze = (newRegisterB & B_SET) != 0 || !dividerRunning();
        if (!wasFrozen && willFreeze) {
            format().write(currentSeconds(now), cmos);
        }
    }

    /** Restarts updates from the time in the registers; the next update is one second after {@code phase}. */
    private void restart(long now, long phase) {
        baseSeconds = format().read(cmos);
        phaseNanos = phase;
        lastCheckNanos = now;
    }

    private void writeTime(int i, int value, long now) {
        if (frozen()) {
            cmos[i] = (byte) value;
            return;
        }
        // A write while running takes effect from the next update on; the second's phase is kept.
        format().write(currentSeconds(now), cmos);
        cmos[i] = (byte) value;
        phaseNanos = now - Math.floorMod(now - phaseNanos, NS);
        baseSeconds = format().read(cmos);
    }

    /** Sets the flags for everything that happened between the last look and {@code now}. */
    private void catchUp(long now) {
        if (now <= lastCheckNanos) {
            return;
        }
        int flags = cmos[REG_C] & 0xff;
        if (dividerRunning()) {
            int rate = cmos[REG_A] & 0x0f;
            if (rate != 0) {
                long period = periodTicks(rate);
                long before = Math.floorDiv(Timebase.RTC.ticksAt(lastCheckNanos - phaseNanos), period);
                long after = Math.floorDiv(Timebase.RTC.ticksAt(now - phaseNanos), period);
                if (after > before) {
                    flags |= C_PF;
                }
            }
        }
        if (!frozen()) {
            long updates = Math.floorDiv(now - phaseNanos, NS) - Math.floorDiv(lastCheckNanos - phaseNanos, NS);
            if (updates > 0) {
                flags |= C_UF;
                if ((flags & C_AF) == 0 && alarmMatchedWithin(currentSeconds(now), Math.min(updates, ALARM_SCAN_LIMIT))) {
                    flags |= C_AF;
                }
            }
        }
        cmos[REG_C] = (byte) withIrqf(flags);
        lastCheckNanos = now;
    }

    /** {@code flags} with IRQF set when a raised flag's interrupt is enabled. */
    private int withIrqf(int flags) {
        int c = flags & 0x70;
        int b = cmos[REG_B] & 0xff;
        boolean irqf = (c & C_PF) != 0 && (b & B_PIE) != 0 || (c & C_AF) != 0 && (b & B_AIE) != 0
                || (c & C_UF) != 0 && (b & B_UIE) != 0;
        return c | (irqf ? C_IRQF : 0);
    }

    private boolean alarmMatchedWithin(long lastSecond, long count) {
        CalendarFormat f = format();
        int as = cmos[0x01] & 0xff;
        int am = cmos[0x03] & 0xff;
        int ah = cmos[0x05] & 0xff;
        byte[] regs = new byte[128];
        for (long s = lastSecond - count + 1; s <= lastSecond; s++) {
            f.write(s, regs);
            if (matches(as, regs[0x00]) && matches(am, regs[0x02]) && matches(ah, regs[0x04])) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(int alarm, byte value) {
        return (alarm & 0xc0) == 0xc0 || alarm == (value & 0xff);
    }

    /** Periodic interrupt period in 32.768 kHz ticks for rate select 1..15. */
    static long periodTicks(int rate) {
        return rate <= 2 ? 1L << (rate + 6) : 1L << (rate - 1);
    }

    /** Updates IRQF and the IRQ8 line, and arms the timer for the next interrupt still to come. */
    private void settle(long now) {
        int c = withIrqf(cmos[REG_C] & 0xff);
        int b = cmos[REG_B] & 0xff;
        cmos[REG_C] = (byte) c;
        boolean irqf = (c & C_IRQF) != 0;
        if (irqf != irqLevel) {
            irqLevel = irqf;
            irq.set(irqf);
        }
        armTimer(now, b, c & 0x70);
    }

    private void armTimer(long now, int b, int c) {
        long next = Long.MAX_VALUE;
        int rate = cmos[REG_A] & 0x0f;
        if ((b & B_PIE) != 0 && (c & C_PF) == 0 && rate != 0 && dividerRunning()) {
            long period = periodTicks(rate);
            long k = Math.floorDiv(Timebase.RTC.ticksAt(now - phaseNanos), period) + 1;
            next = phaseNanos + Timebase.RTC.nanosAtTick(k * period);
        }
        boolean wantUpdate = (b & B_UIE) != 0 && (c & C_UF) == 0 || (b & B_AIE) != 0 && (c & C_AF) == 0;
        if (wantUpdate && !frozen()) {
            next = Math.min(next, phaseNanos + (Math.floorDiv(now - phaseNanos, NS) + 1) * NS);
        }
        if (next == Long.MAX_VALUE) {
            timer.cancel();
        } else {
            timer.armAt(next);
        }
    }

    private synchronized void onTimer() {
        long now = context.clock().nanos();
        catchUp(now);
        settle(now);
    }

    @Override
    public synchronized void reset() {
        long now = context.clock().nanos();
        catchUp(now);
        // The RESET pin clears the interrupt enables and flags; time and RAM survive.
        cmos[REG_B] &= (byte) ~(B_PIE | B_AIE | B_UIE | 0x08);
        cmos[REG_C] = 0;
        index = 0;
        nmiMasked = false;
        settle(now);
    }

    @Override
    public void powerOff() {
        if (registration != null) {
            registration.close();
        }
        if (timer != null) {
            timer.cancel();
        }
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<RtcState>() {
            @Override
            public String name() {
                return "mc146818";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<RtcState> stateType() {
                return RtcState.class;
            }

            @Override
            public RtcState save() {
                synchronized (RtcCmos.this) {
                    return new RtcState(cmos.clone(), index, nmiMasked, baseSeconds, phaseNanos, lastCheckNanos);
                }
            }

            @Override
            public Optional<String> validate(RtcState s) {
                return s.problem();
            }

            @Override
            public void load(RtcState s) {
                synchronized (RtcCmos.this) {
                    System.arraycopy(s.cmos(), 0, cmos, 0, 128);
                    index = s.index();
                    nmiMasked = s.nmiMasked();
                    baseSeconds = s.baseSeconds();
                    phaseNanos = s.phaseNanos();
                    lastCheckNanos = s.lastCheckNanos();
                    settle(context.clock().nanos());
                }
            }
        });
    }
}
