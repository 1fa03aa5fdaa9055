/**
 * The memory path: segments and descriptors ({@link dev.tern.x86.memory.Segment},
 * {@link dev.tern.x86.memory.Descriptor}, {@link dev.tern.x86.memory.SegmentLoader} with the
 * protection checks of segment loads), paging with the software TLB
 * ({@link dev.tern.x86.memory.Mmu}) and physical memory: RAM/ROM segments and MMIO
 * ({@link dev.tern.x86.memory.PhysicalMemory}).
 */
package dev.tern.x86.memory;
