/**
 * Emulation threads: one {@link dev.tern.kernel.emt.Emt} per vCPU grouped in an
 * {@link dev.tern.kernel.emt.EmtGroup}, the {@link dev.tern.kernel.emt.Rendezvous} that gathers them
 * (VirtualBox's EMT rendezvous semantics, with its status codes in {@link dev.tern.kernel.emt.Status})
 * and the {@link dev.tern.kernel.emt.EmtRequests} queue that runs work on a given vCPU's thread.
 */
package dev.tern.kernel.emt;
