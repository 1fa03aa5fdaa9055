/**
 * Instruction semantics, one family per type: {@link dev.tern.x86.ops.Alu} and
 * {@link dev.tern.x86.ops.ArithOps} (arithmetic, logic, shifts, multiply/divide, BCD, bit
 * operations), {@link dev.tern.x86.ops.MoveOps} and {@link dev.tern.x86.ops.DataOps} (moves, stack,
 * flags transfer, conversions), {@link dev.tern.x86.ops.BranchOps} (near branches),
 * {@link dev.tern.x86.ops.StringOps} (string instructions and REP bursts),
 * {@link dev.tern.x86.ops.SystemOps} (control registers, descriptor tables, CPUID, MSRs),
 * {@link dev.tern.x86.ops.EscapeOps} (x87 escape through {@link dev.tern.x86.ops.FloatingPointUnit}),
 * {@link dev.tern.x86.ops.PortAccess} (I/O with IOPL/TSS permission checks),
 * {@link dev.tern.x86.ops.TimeStampCounter}; and {@link dev.tern.x86.ops.Eflags}, EFLAGS with the
 * status flags evaluated lazily.
 */
package dev.tern.x86.ops;
