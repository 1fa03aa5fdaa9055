package dev.tern.devices.uart;

import dev.tern.devices.chardev.BackendSink;
import dev.tern.devices.chardev.CharBackend;
import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.OutputKind;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A 16550A UART. Transmitted bytes leave at once, through the machine's output path to the backend (no
 * baud-rate emulation), so the
 * transmitter is always empty and a THRE interrupt follows every THR write; the receive side has a
 * real 16-byte FIFO with trigger levels and a character timeout measured in virtual time at the
 * programmed baud rate. Host input enters device state only through posted events; bytes that do
 * not fit in the FIFO wait in a host buffer (up to {@value #HOST_BUFFER} bytes, then dropped) so
 * pasted text is not lost to overruns the guest could not have prevented.
 *
 * <p>On a PC, MCR OUT2 gates the interrupt onto the ISA bus; in loopback mode the modem outputs
 * are forced inactive, so the IRQ line stays low.
 */
public final class Uart16550 implements Device {

    static final int FIFO_SIZE = 16;
    static final int HOST_BUFFER = 64 * 1024;
    private static final long INPUT_CLOCK_HZ = 1_843_200L;
    private static final int[] TRIGGER = {1, 4, 8, 14};

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_BI = 0x10;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    /** Without loopback the far end is taken to be present: CTS, DSR and DCD asserted. */
    private static final int EXTERNAL_MODEM_STATUS = 0xb0;

    private final DeviceContext context;
    private final int base;
    private final int gsi;
    private final CharBackend backend;
    private Consumer<byte[]> output;
    private Registration registration;
    private InterruptLine irq = InterruptLine.NONE;
    private Timer timeout;
    private boolean irqLevel;

    private int ier;
    private int lcr;
    private int mcr;
    private int lsrErrors;
    private int msrDeltas;
    private int scr;
    private int divisor;
    private boolean fifoEnabled;
    private int fcr;
    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int lastRbr;
    private boolean threPending;
    private boolean ctiPending;
    /** Host input waiting for FIFO room: a ring of {@link #HOST_BUFFER} bytes. */
    private final byte[] host = new byte[HOST_BUFFER];
    private int hostHead;
    private int hostCount;

    Uart16550(DeviceContext context, int base, int gsi, CharBackend backend) {
        this.context = context;
        this.base = base;
        this.gsi = gsi;
        this.backend = backend;
    }

    /** The backend this UART talks to. */
    public CharBackend backend() {
        return backend;
    }

    @Override
    public void realize() {
        irq = context.interrupts().line(gsi);
        timeout = context.clock().newTimer(context.instanceName() + " rx-timeout", this::onTimeout);
        registration = context.ports().register(context.instanceName(), base, 8, new ByteWidePorts(base, 8) {
            @Override
            protected int readByte(int port) {
                return readRegister(port - base);
            }

            @Override
            protected void writeByte(int port, int value) {
                writeRegister(port - base, value);
            }
        });
        // Host input reaches the device only through the machine's input path, which binds it to an
        // instruction count (and which a replay feeds from its log instead of the backend).
        Consumer<ReplayEvent.CharInput> input = context.machine().inputs(ReplayEvent.CharInput.class, e -> hostInput(e.data()));
        String label = context.instanceName();
        backend.setReceiver(bytes -> input.accept(new ReplayEvent.CharInput(label, bytes)));
        // Output leaves through the machine's output path, which may hold it (fault tolerance's
        // output commit) and tells the backend each byte's position in the serial stream.
        output = context.machine().outputs(OutputKind.SERIAL, new BackendSink(backend));
    }

    private boolean dlab() {
        return (lcr & 0x80) != 0;
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    synchronized int readRegister(int reg) {
        int v = switch (reg) {
            case 0 -> dlab() ? divisor & 0xff : readRbr();
            case 1 -> dlab() ? divisor >> 8 : ier;
            case 2 -> readIir();
            case 3 -> lcr;
            case 4 -> mcr;
            case 5 -> readLsr();
            case 6 -> readMsr();
            default -> scr;
        };
        updateIrq();
        return v;
    }

    synchronized void writeRegister(int reg, int value) {
        switch (reg) {
            case 0 -> {
                if (dlab()) {
                    divisor = (divisor & 0xff00) | value;
                } else {
                    transmit(value);
                }
            }
            case 1 -> {
                if (dlab()) {
                    divisor = (divisor & 0xff) | value << 8;
                } else {
                    writeIer(value);
                }
            }
            case 2 -> writeFcr(value);
            case 3 -> writeLcr(value);
            case 4 -> writeMcr(value);
            case 5, 6 -> { } // LSR and MSR are read-only (factory test writes are ignored)
            default -> scr = value;
        }
        updateIrq();
    }

    private int readRbr() {
        if (rxCount > 0) {
            lastRbr = rx[rxHead] & 0xff;
            rxHead = (rxHead + 1) % FIFO_SIZE;
            rxCount--;
            drainHostInput();
        }
        ctiPending = false;
        restartTimeout();
        return lastRbr;
    }

    private int interruptId() {
        if ((ier & 0x04) != 0 && lsrErrors != 0) {
            return 0x06;
        }
        if ((ier & 0x01) != 0 && rxCount >= (fifoEnabled ? TRIGGER[fcr >> 6] : 1)) {
            return 0x04;
        }
        if ((ier & 0x01) != 0 && ctiPending) {
            return 0x0c;
        }
        if ((ier & 0x02) != 0 && threPending) {
            return 0x02;
        }
        if ((ier & 0x08) != 0 && msrDeltas != 0) {
            return 0x00;
        }
        return 0x01;
    }

    private int readIir() {
        int id = interruptId();
        if (id == 0x02) {
            // Reading IIR while it reports THRE is one of the two ways to clear that interrupt.
            threPending = false;
        }
        return id | (fifoEnabled ? 0xc0 : 0);
    }

    private int readLsr() {
        int v = lsrErrors | LSR_THRE | LSR_TEMT | (rxCount > 0 ? LSR_DR : 0);
        lsrErrors = 0;
        return v;
    }

    private int modemStatus() {
        if (!loopback()) {
            return EXTERNAL_MODEM_STATUS;
        }
        // Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
        return (mcr & 0x02) << 3 | (mcr & 0x01) << 5 | (mcr & 0x04) << 4 | (mcr & 0x08) << 4;
    }

    private int readMsr() {
        int v = modemStatus() | msrDeltas;
        msrDeltas = 0;
        return v;
    }

    private void transmit(int value) {
        threPending = false;
        updateIrq();
        if (loopback()) {
            receiveByte(value);
            restartTimeout();
        } else {
            output.accept(new byte[] {(byte) value});
        }
        // The byte left at once: the holding register is empty again.
        threPending = true;
    }

    private void writeIer(int value) {
        int old = ier;
        ier = value & 0x0f;
        if ((ier & 0x02) == 0) {
            threPending = false;
        } else if ((old & 0x02) == 0) {
            // Enabling THRE interrupts with an empty holding register interrupts at once (Linux relies on it).
            threPending = true;
        }
    }

    private void writeFcr(int value) {
        boolean enable = (value & 0x01) != 0;
        if (enable != fifoEnabled) {
            clearRx();
            fifoEnabled = enable;
        }
        if (!enable) {
            fcr = 0;
            drainHostInput();
            return;
        }
        fcr = value & 0xc8;
        if ((value & 0x02) != 0) {
            clearRx();
        }
        drainHostInput();
        restartTimeout();
    }

    private void clearRx() {
        rxHead = 0;
        rxCount = 0;
        ctiPending = false;
    }

    private void writeLcr(int value) {
        boolean breakRising = (value & 0x40) != 0 && (lcr & 0x40) == 0;
        lcr = value;
        if (breakRising && loopback()) {
            // In loopback the receiver sees the break: a zero character with BI.
            receiveByte(0);
            lsrErrors |= LSR_BI;
            restartTimeout();
        }
    }

    private void writeMcr(int value) {
        int before = modemStatus();
        mcr = value & 0x1f;
        int after = modemStatus();
        int changed = before ^ after;
        msrDeltas |= (changed & 0x10) != 0 ? 0x01 : 0;
        msrDeltas |= (changed & 0x20) != 0 ? 0x02 : 0;
        msrDeltas |= (before & 0x40) != 0 && (after & 0x40) == 0 ? 0x04 : 0;
        msrDeltas |= (changed & 0x80) != 0 ? 0x08 : 0;
        if (!loopback()) {
            drainHostInput();
        }
    }

    /** Puts a received byte into the FIFO (or the single RBR), recording an overrun if there is no room. */
    private void receiveByte(int b) {
        int capacity = fifoEnabled ? FIFO_SIZE : 1;
        if (rxCount >= capacity) {
            lsrErrors |= LSR_OE;
            if (!fifoEnabled) {
                // Without FIFOs the new character overwrites the holding register.
                rx[rxHead] = (byte) b;
            }
            return;
        }
        rx[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
        rxCount++;
    }

    /** Host input, on the machine's event path. */
    synchronized void hostInput(byte[] bytes) {
        int take = Math.min(HOST_BUFFER - hostCount, bytes.length);
        for (int i = 0; i < take; i++) {
            host[(hostHead + hostCount + i) % HOST_BUFFER] = bytes[i];
        }
        hostCount += take;
        drainHostInput();
        updateIrq();
    }

    /** Moves waiting host input into the FIFO while there is room (never in loopback: SIN is disconnected). */
    private void drainHostInput() {
        if (loopback() || hostCount == 0) {
            return;
        }
        int capacity = fifoEnabled ? FIFO_SIZE : 1;
        int n = Math.min(capacity - rxCount, hostCount);
        if (n <= 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            receiveByte(host[hostHead]);
            hostHead = (hostHead + 1) % HOST_BUFFER;
        }
        hostCount -= n;
        restartTimeout();
    }

    /** Nanoseconds one character takes at the programmed rate and frame. */
    long characterNanos() {
        int bits = 1 + 5 + (lcr & 3) + ((lcr & 0x08) != 0 ? 1 : 0) + ((lcr & 0x04) != 0 ? 2 : 1);
        long div = divisor == 0 ? 0x10000 : divisor;
        return bits * div * 16 * 1_000_000_000L / INPUT_CLOCK_HZ;
    }

    private void restartTimeout() {
        if (timeout == null) {
            return;
        }
        if (fifoEnabled && rxCount > 0) {
            timeout.armAt(context.clock().nanos() + 4 * characterNanos());
        } else {
            timeout.cancel();
        }
    }

    private synchronized void onTimeout() {
        if (fifoEnabled && rxCount > 0) {
            ctiPending = true;
            updateIrq();
        }
    }

    private void updateIrq() {
        boolean level = interruptId() != 0x01 && (mcr & MCR_OUT2) != 0 && !loopback();
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    @Override
    public synchronized void reset() {
        ier = 0;
        lcr = 0;
        mcr = 0;
        lsrErrors = 0;
        msrDeltas = 0;
        scr = 0;
        divisor = 12;
        fifoEnabled = false;
        fcr = 0;
        clearRx();
        lastRbr = 0;
        threPending = false;
        if (timeout != null) {
            timeout.cancel();
        }
        updateIrq();
    }

    @Override
    public void powerOff() {
        if (registration != null) {
            registration.close();
        }
        if (timeout != null) {
            timeout.cancel();
        }
        backend.close();
    }

    private UartState save() {
        byte[] fifo = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) {
            fifo[i] = rx[(rxHead + i) % FIFO_SIZE];
        }
        return new UartState(ier, lcr, mcr, lsrErrors, msrDeltas, scr, divisor, fifoEnabled, fcr, fifo, lastRbr,
                threPending, ctiPending, timeout == null ? -1 : timeout.deadline(), hostBytes());
    }

    private byte[] hostBytes() {
        byte[] pending = new byte[hostCount];
        for (int i = 0; i < hostCount; i++) {
            pending[i] = host[(hostHead + i) % HOST_BUFFER];
        }
        return pending;
    }

    private void load(UartState s) {
        ier = s.ier();
        lcr = s.lcr();
        mcr = s.mcr();
        lsrErrors = s.lsrErrors();
        msrDeltas = s.msrDeltas();
        scr = s.scr();
        divisor = s.divisor();
        fifoEnabled = s.fifoEnabled();
        fcr = s.fcr();
        rxHead = 0;
        rxCount = s.rxFifo().length;
        System.arraycopy(s.rxFifo(), 0, rx, 0, rxCount);
        lastRbr = s.lastRbr();
        threPending = s.threPending();
        ctiPending = s.ctiPending();
        hostHead = 0;
        hostCount = s.hostPending().length;
        System.arraycopy(s.hostPending(), 0, host, 0, hostCount);
        if (s.timeoutDeadline() >= 0) {
            timeout.armAt(s.timeoutDeadline());
        } else {
            timeout.cancel();
        }
        updateIrq();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<UartState>() {
            @Override
            public String name() {
                return "uart16550";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<UartState> stateType() {
                return UartState.class;
            }

            @Override
            public UartState save() {
                synchronized (Uart16550.this) {
                    return Uart16550.this.save();
                }
            }

            @Override
            public Optional<String> validate(UartState s) {
                return s.problem();
            }

            @Override
            public void load(UartState s) {
                synchronized (Uart16550.this) {
                    Uart16550.this.load(s);
                }
            }
        });
    }
}
