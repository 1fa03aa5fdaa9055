/**
 * The x87 floating-point unit of the x86 plugin.
 *
 * <p>{@link dev.tern.x86.fpu.X87} executes the ESC opcodes D8..DF on a software 80-bit format
 * ({@link dev.tern.x86.fpu.Float80}: sign, 15-bit exponent, 64-bit significand with explicit
 * integer bit). Every arithmetic result is formed exactly and rounded once, honouring the
 * control word's rounding (RC) and precision (PC 24/53/64) fields, denormals, the exponent-wrap
 * response for unmasked overflow/underflow and the masked responses (QNaN indefinite, integer
 * and BCD indefinite). Add, subtract, multiply, divide, square root and the FST/FIST conversions
 * use 128-bit long arithmetic when the result cannot leave the normal range, and BigInteger
 * otherwise; tests check both paths bit for bit against each other.
 *
 * <p>Transcendentals (F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS, FPTAN) are evaluated
 * in 160-bit fixed point and rounded once, so they are correctly rounded except within ~2^-85
 * of a rounding boundary; FSIN/FCOS/FPTAN/FSINCOS reduce their argument with the 66-bit pi of
 * real Intel x87s, reproducing hardware results near multiples of pi.
 *
 * <p>Exceptions follow the hardware model: numeric exceptions set status flags and, if
 * unmasked, are reported as {@link dev.tern.x86.fpu.X87Fault#MF} by the next waiting
 * instruction; unmasked invalid/denormal/zero-divide suppress the result (and stack changes).
 * The CPU integration contract is described on {@link dev.tern.x86.fpu.X87}.
 */
package dev.tern.x86.fpu;
