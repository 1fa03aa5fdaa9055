/**
 * Guest physical memory: RAM and ROM regions backed by foreign memory segments, and the dirty log
 * that migration, snapshots and fault-tolerance checkpoints read to find what changed.
 */
package dev.tern.kernel.memory;
