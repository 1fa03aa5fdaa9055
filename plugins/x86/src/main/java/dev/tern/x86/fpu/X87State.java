package dev.tern.x86.fpu;

import java.util.List;

/**
 * A complete, immutable copy of the x87 state for snapshots and migration.
 *
 * @param controlWord FPU control word
 * @param statusWord  FPU status word including TOP (bits 11..13)
 * @param tagWord     full 16-bit tag word by physical register (11 = empty)
 * @param fip         last instruction offset
 * @param fcs         last instruction code selector
 * @param fop         last opcode (11 bits)
 * @param fdp         last operand offset
 * @param fds         last operand selector
 * @param registers   physical registers R0..R7 (not ST order)
 */
public record X87State(int controlWord, int statusWord, int tagWord, int fip, int fcs, int fop,
                       int fdp, int fds, List<Float80> registers) {
    public X87State {
        if (registers == null || registers.size() != 8) {
            throw new IllegalArgumentException("X87State needs 8 registers, got "
                    + (registers == null ? "null" : registers.size()));
        }
        for (int p = 0; p < 8; p++) {
            if (registers.get(p) == null) {
                throw new IllegalArgumentException("X87State register R" + p + " is null");
            }
        }
        registers = List.copyOf(registers);
    }
}
