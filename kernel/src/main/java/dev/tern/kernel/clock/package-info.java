/**
 * The virtual clock: guest time computed from retired instructions, so the same instruction stream
 * always sees the same times (the basis of record/replay and fault tolerance), plus its timers and
 * their saved state.
 */
package dev.tern.kernel.clock;
