package dev.tern.devices.pci;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SHPC register set and command state machine, driven as Linux's shpchp drives it. */
class ShpcControllerTest {

    private final List<Boolean> irq = new ArrayList<>();
    private final List<Integer> ejected = new ArrayList<>();
    private final ShpcController shpc = new ShpcController(4, 33, irq::add, ejected::add);

    private int reg(int offset) {
        return (int) shpc.read(offset, 4);
    }

    private void command(int code, int slot) {
        shpc.write(ShpcController.COMMAND, 2, (slot << 8) | code);
    }

    private boolean interrupt() {
        return irq.getLast();
    }

    /** shpc_init: mask all, clear, then unmask the slot events and the global and command interrupts. */
    private void linuxInit() {
        for (int i = 0; i < 4; i++) {
            int slot = reg(ShpcController.SLOT_REGISTERS + 4 * i);
            shpc.write(ShpcController.SLOT_REGISTERS + 4 * i, 4, slot & ~(0x1f << 24));
        }
        shpc.write(ShpcController.CONTROL_ENABLE, 4, reg(ShpcController.CONTROL_ENABLE) & ~5);
    }

    @Test
    void resetDescribesTheSlotsAndPowersTheOccupiedOnes() {
        shpc.reset(0b0010);
        assertEquals(4 | 1 << 8 | 33 << 16 | 1 << 29 | 1 << 30 | 1 << 31, reg(ShpcController.SLOT_CONFIG));
        assertEquals(0x0100_0000, reg(ShpcController.SECONDARY_BUS_CONFIG)); // programming interface 1, 33 MHz
        int empty = reg(ShpcController.SLOT_REGISTERS);
        assertEquals(ShpcController.STATE_DISABLED, empty & 3);
        assertEquals(ShpcController.EMPTY | ShpcController.MRL_OPEN, empty & (ShpcController.EMPTY | ShpcController.MRL_OPEN));
        int card = reg(ShpcController.SLOT_REGISTERS + 4);
        assertEquals(ShpcController.STATE_ENABLED, card & 3);
        assertEquals(0, card & (ShpcController.EMPTY | ShpcController.MRL_OPEN));
        assertEquals(0, reg(ShpcController.INTERRUPT_LOCATOR));
        assertFalse(interrupt());
    }

    @Test
    void anInsertedCardIsPoweredOnByCommandsAndEjectedWhenTheGuestTurnsItOff() {
        shpc.reset(0);
        linuxInit();
        shpc.insert(2);
        assertTrue(interrupt());
        assertEquals(1 << 3, reg(ShpcController.INTERRUPT_LOCATOR));
        int slot = reg(ShpcController.SLOT_REGISTERS + 8);
        assertEquals(ShpcController.PRESENCE_CHANGED | ShpcController.BUTTON_PRESSED, slot & ShpcController.SLOT_LATCHES);
        shpc.write(ShpcController.SLOT_REGISTERS + 8, 4, slot); // the ISR clears what it saw
        assertFalse(interrupt());

        command(0x01, 3); // power only
        assertEquals(1, reg(ShpcController.INTERRUPT_LOCATOR)); // command completed
        assertTrue(interrupt());
        shpc.write(ShpcController.CONTROL_ENABLE, 4, reg(ShpcController.CONTROL_ENABLE));
        assertFalse(interrupt());
        command(0x02 | 0x08 | 0x30, 3); // enable, power LED blinking, attention off
        assertEquals(0, reg(ShpcController.COMMAND) >>> 16);
        assertEquals(ShpcController.STATE_ENABLED, shpc.slotState(2));
        command(0x04, 3); // power LED on

        assertFalse(shpc.pressButton(2)); // device_del: the guest is asked
        assertTrue(ejected.isEmpty());
        assertTrue(assertThrows(IllegalStateException.class, () -> shpc.pressButton(2)).getMessage()
                .contains("asked for already"), "a second press would make Linux cancel the removal");
        command(0x03 | 0x0c | 0x10, 3); // Linux's slot_disable: disabled, power LED off, attention on
        assertEquals(List.of(2), ejected);
        assertFalse(shpc.present(2));
        assertEquals(ShpcController.EMPTY, reg(ShpcController.SLOT_REGISTERS + 8) & ShpcController.EMPTY);
    }

    @Test
    void aCardTheGuestNeverPoweredComesOutAtOnce() {
        shpc.reset(0);
        shpc.insert(0);
        assertTrue(shpc.pressButton(0));
        assertFalse(shpc.present(0));
        assertTrue(ejected.isEmpty());
    }

    @Test
    void badSlotsAndCommandsSetStatusBitsAndChangeNothing() {
        shpc.reset(0b0001);
        int before = reg(ShpcController.SLOT_REGISTERS);
        command(0x02, 0);
        assertEquals(ShpcController.STATUS_INVALID_COMMAND, reg(ShpcController.COMMAND) >>> 16);
        command(0x02, 5);
        assertEquals(ShpcController.STATUS_INVALID_COMMAND, reg(ShpcController.COMMAND) >>> 16);
        command(0x01, 2); // power an empty slot: its MRL is open
        assertEquals(ShpcController.STATUS_MRL_OPEN, reg(ShpcController.COMMAND) >>> 16);
        command(0x43, 0); // 133 MHz PCI-X: not offered
        assertEquals(ShpcController.STATUS_INVALID_MODE, reg(ShpcController.COMMAND) >>> 16);
        command(0xff, 1);
        assertEquals(ShpcController.STATUS_INVALID_COMMAND, reg(ShpcController.COMMAND) >>> 16);
        assertEquals(before, reg(ShpcController.SLOT_REGISTERS));
        assertEquals(0, reg(0x1000));
        shpc.write(-4, 8, -1L);
        shpc.write(0x1000, 4, -1L);
        assertThrows(IllegalArgumentException.class, () -> shpc.insert(4));
        assertThrows(IllegalArgumentException.class, () -> shpc.pressButton(-1));
        assertThrows(IllegalStateException.class, () -> shpc.insert(0));
        assertThrows(IllegalStateException.class, () -> shpc.pressButton(1));
    }

    @Test
    void theCapabilityDataPortReachesTheSelectedRegisterAndNothingPastTheSet() {
        shpc.reset(0);
        ConfigRegisters cap = shpc.capability();
        cap.write(0, 1, 3);
        assertEquals(reg(ShpcController.SLOT_CONFIG), cap.read(2, 4));
        cap.write(0, 1, 200); // past the set
        assertEquals(0, cap.read(2, 4));
        cap.write(0, 4, 200 | 0xffff_ff00); // select and data in one dword: the data goes nowhere
        assertEquals(0, cap.read(2, 4));
        cap.write(0, 1, 8);
        cap.write(2, 4, 0);
        assertEquals(0, reg(ShpcController.CONTROL_ENABLE) & ShpcController.CONTROL_MASKS);
    }

    @Test
    void randomGuestWritesNeverThrowAndLeaveAStateThatSavesAndLoads() {
        var rnd = new Random(15);
        shpc.reset(0b0101);
        for (int i = 0; i < 20_000; i++) {
            int size = 1 << rnd.nextInt(3);
            shpc.write(rnd.nextInt(0x60) - 4, size, rnd.nextLong());
            shpc.read(rnd.nextInt(0x60) - 4, size);
        }
        ShpcState saved = shpc.save();
        assertTrue(shpc.problem(saved).isEmpty(), shpc.problem(saved).toString());
        var other = new ShpcController(4, 33, b -> { }, x -> { });
        other.load(saved);
        assertEquals(reg(ShpcController.SLOT_REGISTERS + 4), (int) other.read(ShpcController.SLOT_REGISTERS + 4, 4));
        assertTrue(other.problem(new ShpcState(0, 0, 0, 0, new int[3], 0, 0, 0)).orElseThrow().contains("3 slots"));
        assertTrue(other.problem(new ShpcState(0, 0, 0, 0, new int[4], 0, 0, 0)).orElseThrow().contains("reserved"));
    }
}
