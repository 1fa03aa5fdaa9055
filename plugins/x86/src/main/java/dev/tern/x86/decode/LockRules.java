package dev.tern.x86.decode;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/** Which instructions accept a LOCK prefix: read-modify-write forms with a memory destination. */
public final class LockRules {

    private LockRules() {
    }

    public static void check(CpuCore c, int op) {
        if (!c.memOp || !lockable(op, c.reg)) {
            throw CpuFault.ud();
        }
    }

    /** Whether {@code op} (0x100 | byte for the 0F map) with ModRM reg field {@code reg} is lockable. */
    public static boolean lockable(int op, int reg) {
        if (op < 0x40) {
            return (op & 7) <= 1 && (op & 0x38) != 0x38;
        }
        return switch (op) {
            case 0x80, 0x81, 0x82, 0x83 -> reg != 7;
            case 0x86, 0x87 -> true;
            case 0xF6, 0xF7 -> reg == 2 || reg == 3;
            case 0xFE, 0xFF -> reg <= 1;
            case 0x1AB, 0x1B3, 0x1BB, 0x1B0, 0x1B1, 0x1C0, 0x1C1 -> true;
            case 0x1BA -> reg >= 5;
            case 0x1C7 -> reg == 1;
            default -> false;
        };
    }
}
