/**
 * The compiling execution tier: hot decoded blocks of 32-bit register operations ending in a
 * conditional branch are translated to hidden classes ({@link dev.tern.x86.jit.BlockCompiler},
 * {@link dev.tern.x86.jit.CompiledBlock}); every other block, and any block when the run's budget
 * ends inside it, runs in the interpreter.
 */
package dev.tern.x86.jit;
