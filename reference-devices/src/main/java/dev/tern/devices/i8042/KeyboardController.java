package dev.tern.devices.i8042;

import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.state.StateSection;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The i8042 keyboard controller at 0x60 (data) and 0x64 (status/command) with a keyboard on its
 * first port and nothing on the auxiliary port (mouse commands are answered with resend, so a
 * driver's probe fails cleanly). Implements what Linux's i8042 and atkbd drivers use: self tests,
 * the command byte, port enable/disable, the output port (A20 and reset), the aux loopback
 * commands, pulse-reset, and IRQ1/IRQ12 per the command byte's interrupt enables.
 */
public final class KeyboardController implements Device {

    static final int QUEUE_LIMIT = 16;
    private static final int AUX = 0x100;
    private static final int CCB_KBD_INT = 0x01;
    private static final int CCB_AUX_INT = 0x02;
    private static final int CCB_SYS = 0x04;
    private static final int CCB_KBD_DISABLED = 0x10;
    private static final int CCB_AUX_DISABLED = 0x20;
    private static final int CCB_TRANSLATE = 0x40;
    /** Power-on command byte: translation, system flag, both interrupts enabled. */
    private static final int CCB_DEFAULT = CCB_TRANSLATE | CCB_SYS | CCB_AUX_INT | CCB_KBD_INT;
    /** Power-on output port: reset line inactive (bit 0), A20 enabled (bit 1), unused bits high. */
    private static final int OUTPUT_PORT_DEFAULT = 0xcf;

    private final DeviceContext context;
    private final Ps2Keyboard keyboard = new Ps2Keyboard();
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private final byte[] ram = new byte[32];
    private Registration dataPort;
    private Registration commandPort;
    private InterruptLine irq1 = InterruptLine.NONE;
    private InterruptLine irq12 = InterruptLine.NONE;
    private boolean irq1Level;
    private boolean irq12Level;
    private int commandByte;
    private int outputPort;
    private int pendingCommand;
    private boolean lastWasCommand;
    private int lastRead;

    /** Where host key presses enter: the machine's input path, which applies them with {@link #keyboardInput}. */
    private Consumer<ReplayEvent.CharInput> hostKeys = e -> { };

    KeyboardController(DeviceContext context) {
        this.context = context;
    }

    @Override
    public void realize() {
        irq1 = context.interrupts().line(1);
        irq12 = context.interrupts().line(12);
        hostKeys = context.machine().inputs(ReplayEvent.CharInput.class, e -> keyboardInput(e.data()));
        // Two separate claims: 0x61-0x63 in between belong to others (0x61 is port B).
        dataPort = context.ports().register(context.instanceName() + " data", 0x60, 1, new ByteWidePorts(0x60, 1) {
            @Override
            protected int readByte(int port) {
                return readData();
            }

            @Override
            protected void writeByte(int port, int value) {
                writeData(value);
            }
        });
        commandPort = context.ports().register(context.instanceName() + " command", 0x64, 1, new ByteWidePorts(0x64, 1) {
            @Override
            protected int readByte(int port) {
                return readStatus();
            }

            @Override
            protected void writeByte(int port, int value) {
                writeCommand(value);
            }
        });
    }

    private synchronized int readStatus() {
        int status = 0x10;
        if (!queue.isEmpty()) {
            status |= 0x01;
            if ((queue.peekFirst() & AUX) != 0) {
                status |= 0x20;
            }
        }
        if ((commandByte & CCB_SYS) != 0) {
            status |= 0x04;
        }
        if (lastWasCommand) {
            status |= 0x08;
        }
        return status;
    }

    private synchronized int readData() {
        Integer head = queue.pollFirst();
        if (head != null) {
            lastRead = head & 0xff;
            // Drop the lines so the next byte, if any, makes a fresh edge.
            setIrq(false, false);
            updateIrq();
        }
        return lastRead;
    }

    private synchronized void writeCommand(int cmd) {
        lastWasCommand = true;
        pendingCommand = 0;
        switch (cmd) {
            case 0x20 -> reply(commandByte);
            case 0xa7 -> commandByte |= CCB_AUX_DISABLED;
            case 0xa8 -> commandByte &= ~CCB_AUX_DISABLED;
            case 0xa9, 0xab, 0xe0 -> reply(0x00);
            case 0xaa -> reply(0x55);
            case 0xad -> commandByte |= CCB_KBD_DISABLED;
            case 0xae -> commandByte &= ~CCB_KBD_DISABLED;
            case 0xc0 -> reply(0x80);
            case 0xd0 -> reply(outputPortWithBufferBits());
            case 0xd1, 0xd2, 0xd3, 0xd4 -> pendingCommand = cmd;
            case 0xdd -> writeOutputPort(outputPort & ~0x02);
            case 0xdf -> writeOutputPort(outputPort | 0x02);
            default -> {
                if (cmd >= 0x21 && cmd <= 0x3f) {
                    reply(ram[cmd & 0x1f] & 0xff);
                } else if (cmd >= 0x60 && cmd <= 0x7f) {
                    pendingCommand = cmd;
                } else if (cmd >= 0xf0 && (cmd & 0x01) == 0) {
                    // Pulse output port bit 0 (the CPU reset line) low.
                    context.machine().requestReset();
                }
            }
        }
        updateIrq();
    }

    private synchronized void writeData(int value) {
        lastWasCommand = false;
        int cmd = pendingCommand;
        pendingCommand = 0;
        switch (cmd) {
            case 0 -> keyboard.receive(value, (commandByte & CCB_TRANSLATE) != 0, this::reply);
            case 0x60 -> commandByte = value;
            case 0xd1 -> writeOutputPort(value);
            case 0xd2 -> reply(value);
            case 0xd3 -> enqueue(value | AUX);
            case 0xd4 -> enqueue(Ps2Keyboard.RESEND | AUX);
            default -> ram[cmd & 0x1f] = (byte) value;
        }
        updateIrq();
    }

    private void writeOutputPort(int value) {
        int old = outputPort;
        outputPort = value & 0xcf;
        if (((old ^ value) & 0x02) != 0) {
            context.machine().setA20((value & 0x02) != 0);
        }
        if ((value & 0x01) == 0) {
            context.machine().requestReset();
        }
    }

    private int outputPortWithBufferBits() {
        int v = outputPort;
        if (!queue.isEmpty()) {
            v |= (queue.peekFirst() & AUX) != 0 ? 0x20 : 0x10;
        }
        return v;
    }

    private void reply(int value) {
        enqueue(value & 0xff);
    }

    private void enqueue(int entry) {
        if (queue.size() < QUEUE_LIMIT) {
            queue.addLast(entry);
        }
    }

    /**
     * Scan codes typed on the host (any thread): they reach the controller through the machine's
     * input path, at an instruction count it records.
     */
    public void typeScancodes(byte[] scancodes) {
        hostKeys.accept(new ReplayEvent.CharInput(context.instanceName(), scancodes));
    }

    /**
     * Applies scan codes from a host keyboard. Only the machine's input path calls it (between
     * slices, on its event thread); dropped while the keyboard or its port is disabled.
     */
    public synchronized void keyboardInput(byte[] scancodes) {
        if (!keyboard.scanning || (commandByte & CCB_KBD_DISABLED) != 0) {
            return;
        }
        for (byte b : scancodes) {
            enqueue(b & 0xff);
        }
        updateIrq();
    }

    private void updateIrq() {
        boolean kbd = false;
        boolean aux = false;
        Integer head = queue.peekFirst();
        if (head != null) {
            if ((head & AUX) != 0) {
                aux = (commandByte & CCB_AUX_INT) != 0;
            } else {
                kbd = (commandByte & CCB_KBD_INT) != 0;
            }
        }
        setIrq(kbd, aux);
    }

    private void setIrq(boolean kbd, boolean aux) {
        if (kbd != irq1Level) {
            irq1Level = kbd;
            irq1.set(kbd);
        }
        if (aux != irq12Level) {
            irq12Level = aux;
            irq12.set(aux);
        }
    }

    @Override
    public synchronized void reset() {
        keyboard.reset();
        queue.clear();
        java.util.Arrays.fill(ram, (byte) 0);
        commandByte = CCB_DEFAULT;
        outputPort = OUTPUT_PORT_DEFAULT;
        pendingCommand = 0;
        lastWasCommand = false;
        lastRead = 0;
        updateIrq();
    }

    @Override
    public void powerOff() {
        if (dataPort != null) {
            dataPort.close();
            commandPort.close();
        }
    }

    private I8042State save() {
        return new I8042State(commandByte, ram.clone(), outputPort, pendingCommand, lastWasCommand,
                queue.stream().mapToInt(Integer::intValue).toArray(), lastRead, keyboard.scanning,
                keyboard.pendingCommand, keyboard.scancodeSet, keyboard.leds, keyboard.typematic, keyboard.lastSent);
    }

    private void load(I8042State s) {
        commandByte = s.commandByte();
        System.arraycopy(s.ram(), 0, ram, 0, 32);
        outputPort = s.outputPort();
        pendingCommand = s.pendingCommand();
        lastWasCommand = s.lastWasCommand();
        queue.clear();
        for (int q : s.queue()) {
            queue.addLast(q);
        }
        lastRead = s.lastRead();
        keyboard.scanning = s.kbdScanning();
        keyboard.pendingCommand = s.kbdPendingCommand();
        keyboard.scancodeSet = s.kbdScancodeSet();
        keyboard.leds = s.kbdLeds();
        keyboard.typematic = s.kbdTypematic();
        keyboard.lastSent = s.kbdLastSent();
        updateIrq();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<I8042State>() {
            @Override
            public String name() {
                return "i8042";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<I8042State> stateType() {
                return I8042State.class;
            }

            @Override
            public I8042State save() {
                synchronized (KeyboardController.this) {
                    return KeyboardController.this.save();
                }
            }

            @Override
            public Optional<String> validate(I8042State s) {
                return s.problem();
            }

            @Override
            public void load(I8042State s) {
                synchronized (KeyboardController.this) {
                    KeyboardController.this.load(s);
                }
            }
        });
    }
}
