/**
 * JDK Flight Recorder events for the kernel's rare but telling moments (state changes, dirty-log
 * syncs, rendezvous, timer firings). They cost nothing unless a recording enables them, so they
 * stay on in production.
 */
package dev.tern.kernel.trace;
