/**
 * Instruction decoding: which opcodes take a ModRM byte ({@link dev.tern.x86.decode.OpcodeTable}),
 * the two-byte (0F) map ({@link dev.tern.x86.decode.TwoByteMap}), LOCK admissibility
 * ({@link dev.tern.x86.decode.LockRules}), decoded instruction headers replayed without decoding
 * again ({@link dev.tern.x86.decode.DecodedHeader}), decoded blocks with their code bytes
 * ({@link dev.tern.x86.decode.DecodedBlock}) and the specialised fast forms of common
 * instructions ({@link dev.tern.x86.decode.FastForm}).
 */
package dev.tern.x86.decode;
