/**
 * Guest-visible time. Guest time derives from the virtual clock, never the host's: that is what
 * makes record/replay and fault tolerance deterministic.
 */
package dev.tern.spi.clock;
