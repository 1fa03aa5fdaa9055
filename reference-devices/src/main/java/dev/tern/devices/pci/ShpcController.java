package dev.tern.devices.pci;

import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * A Standard Hot-Plug Controller (PCI SHPC 1.0) for the slots of one secondary bus: its register
 * set (the same registers through the bridge's memory BAR and through the SHPC capability's
 * DWORD-select/data pair), its commands and its interrupt. Slot {@code i} (0-based) is device
 * number {@code i + 1} on the bus. Each slot has an attention button and an MRL sensor: the MRL reads
 * closed while a card is in the slot, open while it is empty.
 *
 * <p>The host inserts a card ({@link #insert}) and presses a slot's button to ask for its removal
 * ({@link #pressButton}); the guest powers slots on and off with commands. A slot the guest turns
 * off (disabled, power indicator off) gives up its card: {@code ejected} hears its device number.
 */
public final class ShpcController {

    /** Registers of the set, by byte offset. */
    static final int SLOT_CONFIG = 0x0c;
    static final int SECONDARY_BUS_CONFIG = 0x10;
    static final int COMMAND = 0x14;
    static final int INTERRUPT_LOCATOR = 0x18;
    static final int CONTROL_ENABLE = 0x20;
    static final int SLOT_REGISTERS = 0x24;

    /** Controller SERR-INT enable bits. */
    static final int GLOBAL_INTERRUPT_MASK = 1;
    static final int COMMAND_INTERRUPT_MASK = 1 << 2;
    static final int CONTROL_MASKS = 0xf;
    static final int COMMAND_COMPLETE = 1 << 16;
    static final int CONTROL_LATCHES = 3 << 16;

    /** Slot register fields. */
    static final int STATE_POWERED = 1;
    static final int STATE_ENABLED = 2;
    static final int STATE_DISABLED = 3;
    static final int LED_ON = 1;
    static final int LED_BLINK = 2;
    static final int LED_OFF = 3;
    static final int MRL_OPEN = 1 << 8;
    static final int EMPTY = 3 << 10;
    static final int PRESENCE_CHANGED = 1 << 16;
    static final int BUTTON_PRESSED = 1 << 18;
    static final int SLOT_LATCHES = 0x1f << 16;
    static final int SLOT_MASKS = 0x7f << 24;
    /** The bits a command keeps: state and both indicators. */
    private static final int SLOT_CONTROLLED = 0x3f;

    /** Command status bits. */
    static final int STATUS_MRL_OPEN = 1 << 1;
    static final int STATUS_INVALID_COMMAND = 1 << 2;
    static final int STATUS_INVALID_MODE = 1 << 3;

    /** Slots a controller can have (SHPC allows 31, device numbers 1..31). */
    public static final int MAX_SLOTS = 31;

    private final int slotCount;
    private final int physicalSlotBase;
    private final IntConsumer ejected;
    private final InterruptPin interrupt;
    private int controlEnable;
    private int command;
    private int commandStatus;
    private int busMode;
    private final int[] slots;
    private int present;
    /** Slots whose button the host pressed for a removal the guest has not carried out yet. */
    private int ejectRequested;
    private int dwordSelect;

    /** Where the controller's interrupt goes (the bridge's INTx pin). */
    @FunctionalInterface
    public interface InterruptPin {
        void set(boolean asserted);
    }

    /**
     * A controller of {@code slotCount} slots named {@code physicalSlotBase}, {@code +1}, ... to the
     * guest, raising {@code interrupt} and telling {@code ejected} of each card the guest powered off.
     */
    public ShpcController(int slotCount, int physicalSlotBase, InterruptPin interrupt, IntConsumer ejected) {
        if (slotCount < 1 || slotCount > MAX_SLOTS) {
            throw new IllegalArgumentException("an SHPC has 1.." + MAX_SLOTS + " slots, not " + slotCount);
        }
        if (physicalSlotBase < 0 || physicalSlotBase + slotCount - 1 > 0x7ff) {
            throw new IllegalArgumentException("physical slot numbers " + physicalSlotBase + ".. do not fit 11 bits");
        }
        this.slotCount = slotCount;
        this.physicalSlotBase = physicalSlotBase;
        this.interrupt = interrupt;
        this.ejected = ejected;
        this.slots = new int[slotCount];
        reset(0);
    }

    /** Bytes the register set spans (the BAR must be at least this large). */
    public int size() {
        return SLOT_REGISTERS + 4 * slotCount;
    }

    /**
     * Power-on state with a card in each slot of {@code occupied} (bit {@code i} = slot {@code i}):
     * those are powered and enabled, as firmware leaves the cards it found; the others are off.
     * Every interrupt is masked until the guest's driver unmasks it.
     */
    public synchronized void reset(int occupied) {
        controlEnable = CONTROL_MASKS;
        command = 0;
        commandStatus = 0;
        busMode = 0;
        dwordSelect = 0;
        ejectRequested = 0;
        present = occupied & ((1 << slotCount) - 1);
        for (int i = 0; i < slotCount; i++) {
            boolean card = (present & (1 << i)) != 0;
            slots[i] = SLOT_MASKS | (card ? STATE_ENABLED | LED_ON << 2 : STATE_DISABLED | LED_OFF << 2) | LED_OFF << 4;
        }
        updateInterrupt();
    }

    /**
     * A card was put into slot {@code index}: its presence changes and its button is pressed, so the
     * guest powers the slot on (Linux waits five seconds for an abort first).
     *
     * @throws IllegalArgumentException for a slot the controller does not have
     * @throws IllegalStateException when the slot holds a card already
     */
    public synchronized void insert(int index) {
        checkSlot(index);
        if ((present & (1 << index)) != 0) {
            throw new IllegalStateException("SHPC slot " + (index + 1) + " holds a card already");
        }
        present |= 1 << index;
        slots[index] = (slots[index] & ~SLOT_CONTROLLED) | STATE_DISABLED | LED_OFF << 2 | LED_OFF << 4;
        slots[index] |= PRESENCE_CHANGED | BUTTON_PRESSED;
        updateInterrupt();
    }

    /**
     * Asks for the card in slot {@code index} to be removed, by pressing its attention button. A
     * slot the guest never powered on gives the card up at once.
     *
     * @return true when the card is out already (the slot was off); false when the guest will power
     *     the slot off, and {@code ejected} hears of it then
     * @throws IllegalArgumentException for a slot the controller does not have
     * @throws IllegalStateException when the slot is empty, or its removal was asked for already (a
     *     second press would tell the guest to cancel it)
     */
    public synchronized boolean pressButton(int index) {
        checkSlot(index);
        if ((present & (1 << index)) == 0) {
            throw new IllegalStateException("SHPC slot " + (index + 1) + " holds no card");
        }
        if ((ejectRequested & (1 << index)) != 0) {
            throw new IllegalStateException("the removal of the card in SHPC slot " + (index + 1) + " was asked for"
                    + " already; the guest has not powered the slot off yet");
        }
        if (isOff(slots[index])) {
            present &= ~(1 << index);
            slots[index] |= PRESENCE_CHANGED;
            updateInterrupt();
            return true;
        }
        slots[index] |= BUTTON_PRESSED;
        ejectRequested |= 1 << index;
        updateInterrupt();
        return false;
    }

    private void checkSlot(int index) {
        if (index < 0 || index >= slotCount) {
            throw new IllegalArgumentException("SHPC slot " + (index + 1) + " is not 1.." + slotCount);
        }
    }

    /** Whether slot {@code index} holds a card as the guest sees it. */
    public synchronized boolean present(int index) {
        return index >= 0 && index < slotCount && (present & (1 << index)) != 0;
    }

    /** The slot state (1 powered, 2 enabled, 3 disabled) of slot {@code index}. */
    public synchronized int slotState(int index) {
        checkSlot(index);
        return slots[index] & 3;
    }

    /** Reads {@code size} bytes at {@code offset} of the register set; outside it, zeros. */
    public synchronized long read(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int b = o < 0 || o >= size() ? 0 : (register(o >>> 2) >>> (8 * (o & 3))) & 0xff;
            v |= (long) b << (8 * i);
        }
        return v;
    }

    /** The register at dword {@code index}, or 0 past the set. */
    synchronized int register(int index) {
        return switch (index) {
            case 0 -> 0; // base offset: the set starts at BAR0
            case 1 -> slotCount; // slots available at 33 MHz conventional
            case 2 -> 0;
            case 3 -> slotCount | 1 << 8 | physicalSlotBase << 16 | 1 << 29 | 1 << 30 | 1 << 31;
            case 4 -> busMode | 0x01 << 24; // programming interface 1
            case 5 -> command | commandStatus << 16; // never busy: commands complete as they are written
            case 6 -> locator();
            case 7 -> 0;
            case 8 -> controlEnable;
            default -> index - 9 < slotCount ? slotRegister(index - 9) : 0;
        };
    }

    private int slotRegister(int i) {
        boolean card = (present & (1 << i)) != 0;
        return slots[i] | (card ? 0 : MRL_OPEN | EMPTY);
    }

    /**
     * Writes the low {@code size} bytes of {@code value} at {@code offset}. Bytes outside the set or
     * in read-only registers are dropped; a write reaching the command byte runs the command.
     */
    public synchronized void write(int offset, int size, long value) {
        int first = offset >>> 2;
        int last = (offset + size - 1) >>> 2;
        for (int reg = first; reg <= last; reg++) {
            int enables = 0;
            int bits = 0;
            for (int i = 0; i < size; i++) {
                int o = offset + i;
                if (o >>> 2 == reg) {
                    enables |= 0xff << (8 * (o & 3));
                    bits |= (int) ((value >>> (8 * i)) & 0xff) << (8 * (o & 3));
                }
            }
            if (offset >= 0 && reg * 4 < size()) {
                writeRegister(reg, enables, bits);
            }
        }
        updateInterrupt();
    }

    private void writeRegister(int reg, int enables, int bits) {
        if (reg == COMMAND >>> 2) {
            // the code byte and a 5-bit target; the target byte's upper bits are reserved
            command = ((command & ~enables) | (bits & enables)) & 0x1fff;
            if ((enables & 0xff) != 0) {
                execute(command & 0xff, (command >>> 8) & 0x1f);
            }
        } else if (reg == CONTROL_ENABLE >>> 2) {
            controlEnable = merge(controlEnable, CONTROL_MASKS, CONTROL_LATCHES, enables, bits);
        } else if (reg >= SLOT_REGISTERS >>> 2) {
            int i = reg - (SLOT_REGISTERS >>> 2);
            slots[i] = merge(slots[i], SLOT_MASKS, SLOT_LATCHES, enables, bits);
        }
    }

    private static int merge(int old, int writable, int writeOneClear, int enables, int bits) {
        int w = writable & enables;
        int v = (old & ~w) | (bits & w);
        return v & ~(bits & enables & writeOneClear);
    }

    /** Runs a command; its outcome is in the status bits and its completion latched. */
    private void execute(int code, int target) {
        commandStatus = 0;
        if ((code & 0xc0) == 0) {
            if (target < 1 || target > slotCount) {
                commandStatus = STATUS_INVALID_COMMAND;
            } else {
                slotOperation(target - 1, code & 3, (code >>> 2) & 3, (code >>> 4) & 3);
            }
        } else if (code >= 0x40 && code <= 0x47) {
            if ((code & 7) != 0) {
                commandStatus = STATUS_INVALID_MODE; // only conventional 33 MHz
            } else {
                busMode = 0;
            }
        } else if (code == 0x48 || code == 0x49) {
            for (int i = 0; i < slotCount; i++) {
                if ((present & (1 << i)) != 0) {
                    slots[i] = (slots[i] & ~3) | (code == 0x48 ? STATE_POWERED : STATE_ENABLED);
                }
            }
        } else {
            commandStatus = STATUS_INVALID_COMMAND;
        }
        controlEnable |= COMMAND_COMPLETE;
    }

    private void slotOperation(int i, int state, int powerLed, int attentionLed) {
        boolean card = (present & (1 << i)) != 0;
        if (!card && (state == STATE_POWERED || state == STATE_ENABLED)) {
            commandStatus = STATUS_MRL_OPEN; // an empty slot's MRL is open: nothing to power
            return;
        }
        boolean wasOff = isOff(slots[i]);
        int v = slots[i];
        v = state == 0 ? v : (v & ~3) | state;
        v = powerLed == 0 ? v : (v & ~(3 << 2)) | powerLed << 2;
        v = attentionLed == 0 ? v : (v & ~(3 << 4)) | attentionLed << 4;
        slots[i] = v;
        if (card && !wasOff && isOff(v)) {
            present &= ~(1 << i);
            ejectRequested &= ~(1 << i);
            slots[i] |= PRESENCE_CHANGED;
            ejected.accept(i);
        }
    }

    /** A slot is off, and its card may be pulled, once it is disabled with its power indicator off. */
    private static boolean isOff(int slot) {
        return (slot & 3) == STATE_DISABLED && ((slot >>> 2) & 3) == LED_OFF;
    }

    private int locator() {
        int v = (controlEnable & COMMAND_COMPLETE) != 0 && (controlEnable & COMMAND_INTERRUPT_MASK) == 0 ? 1 : 0;
        for (int i = 0; i < slotCount; i++) {
            int latched = (slots[i] >>> 16) & 0x1f;
            int masked = (slots[i] >>> 24) & 0x1f;
            if ((latched & ~masked) != 0) {
                v |= 1 << (i + 1);
            }
        }
        return v;
    }

    /**
     * The SHPC capability's bytes from its DWORD select register on (offset 2 of the capability):
     * select, pending, and the four bytes of the selected register. A select past the set reads zeros
     * and drops writes.
     */
    ConfigRegisters capability() {
        return new ConfigRegisters() {
            @Override
            public int read(int offset, int size) {
                int v = 0;
                for (int i = 0; i < size; i++) {
                    v |= capabilityByte(offset + i) << (8 * i);
                }
                return v;
            }

            @Override
            public void write(int offset, int size, int value) {
                int dataFrom = Math.max(offset, 2);
                synchronized (ShpcController.this) {
                    if (offset == 0) {
                        dwordSelect = value & 0xff;
                    }
                    if (offset + size > 2) {
                        int skip = dataFrom - offset;
                        int select = dwordSelect;
                        if (select * 4 < size()) {
                            ShpcController.this.write(select * 4 + dataFrom - 2, size - skip, value >>> (8 * skip));
                        }
                    }
                }
            }
        };
    }

    private synchronized int capabilityByte(int offset) {
        return switch (offset) {
            case 0 -> dwordSelect;
            case 1 -> pending() ? 1 : 0;
            default -> (int) read(dwordSelect * 4 + offset - 2, 1);
        };
    }

    /** Whether an unmasked event is pending (the capability's pending bit). */
    public synchronized boolean pending() {
        return locator() != 0;
    }

    private void updateInterrupt() {
        interrupt.set((controlEnable & GLOBAL_INTERRUPT_MASK) == 0 && locator() != 0);
    }

    /** The controller's registers for a snapshot. */
    public synchronized ShpcState save() {
        return new ShpcState(controlEnable, command, commandStatus, busMode, slots.clone(), present, dwordSelect,
                ejectRequested);
    }

    /** Why {@code s} cannot be this controller's state, or empty. */
    public Optional<String> problem(ShpcState s) {
        if (s.slots() == null || s.slots().length != slotCount) {
            return Optional.of("shpc: saved " + (s.slots() == null ? 0 : s.slots().length) + " slots, this controller has "
                    + slotCount);
        }
        if ((s.present() & ~((1 << slotCount) - 1)) != 0 || (s.ejectRequested() & ~s.present()) != 0 || (s.controlEnable() & ~(CONTROL_MASKS | CONTROL_LATCHES)) != 0
                || s.busMode() != 0 || (s.dwordSelect() & ~0xff) != 0 || (s.commandStatus() & ~0xf) != 0 || (s.command() & ~0x1fff) != 0) {
            return Optional.of("shpc: saved controller registers have reserved bits set");
        }
        for (int i = 0; i < slotCount; i++) {
            int v = s.slots()[i];
            if ((v & ~(SLOT_CONTROLLED | SLOT_LATCHES | SLOT_MASKS)) != 0 || (v & 3) == 0 || ((v >>> 2) & 3) == 0
                    || ((v >>> 4) & 3) == 0) {
                return Optional.of("shpc: saved slot " + (i + 1) + " register 0x" + Integer.toHexString(v)
                        + " has a reserved state or bits set");
            }
        }
        return Optional.empty();
    }

    /** Restores a state {@link #problem} accepted. */
    public synchronized void load(ShpcState s) {
        controlEnable = s.controlEnable();
        command = s.command();
        commandStatus = s.commandStatus();
        busMode = s.busMode();
        System.arraycopy(s.slots(), 0, slots, 0, slotCount);
        present = s.present();
        dwordSelect = s.dwordSelect();
        ejectRequested = s.ejectRequested();
        updateInterrupt();
    }
}
