/**
 * The compiling execution tier: hot decoded blocks of 32-bit register and memory operations are
 * translated to hidden classes ({@link dev.tern.x86.jit.BlockCompiler},
 * {@link dev.tern.x86.jit.CompiledBlock}). Memory operands take the soft TLB's fast path
 * ({@link dev.tern.x86.jit.TlbPath}); anything else leaves the translated code at that instruction's
 * boundary and the interpreter goes on from there, as it does for untranslated blocks, for the rest
 * of a block translated only in part, and whenever the run's budget ends inside a block.
 */
package dev.tern.x86.jit;
