/**
 * The execution tier: {@link dev.tern.x86.interp.Interpreter} decodes and runs one instruction at
 * a time (prefixes, opcode, ModRM, dispatch to {@code ops}), runs the instructions of decoded
 * blocks and their fast forms, and retries LOCKed compare-and-set
 * ({@link dev.tern.x86.interp.LockRetry}).
 */
package dev.tern.x86.interp;
