/**
 * The state every part of the x86 CPU shares: {@link dev.tern.x86.core.CpuCore} holds the
 * architectural registers (general, EIP, EFLAGS, segments, control, debug, descriptor-table
 * registers) and the decode state of the instruction in flight, with the register, segmented
 * memory, stack and ModRM accessors the instruction semantics use; {@link dev.tern.x86.core.CpuFault}
 * is the exception every part throws to deliver an architectural fault.
 *
 * <p>The other packages each hold one part and depend on this one: {@code decode} (opcode tables,
 * decoded instructions and blocks, fast forms), {@code ops} (instruction semantics and the lazy
 * flags), {@code memory} (segmentation, paging with the soft TLB, physical memory), {@code block}
 * (the block table and its code-trust rules), {@code transfer} (interrupts, exceptions, far
 * transfers through gates, task switches), {@code debug} (DR0-DR7, debugger stops) and
 * {@code interp} (the interpreter, the execution tier).
 */
package dev.tern.x86.core;
