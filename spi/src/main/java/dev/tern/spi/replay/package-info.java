/**
 * Deterministic record/replay. Every nondeterministic input reaches the machine through a
 * {@link dev.tern.spi.replay.ReplayFilter}, which records it bound to an instruction count, or in
 * replay substitutes the recorded input.
 */
package dev.tern.spi.replay;
