/**
 * Debugging: the breakpoints DR0-DR7 describe ({@link dev.tern.x86.debug.DebugRegisters}) and the
 * stops a debugger attached to the VM asks for ({@link dev.tern.x86.debug.DebuggerStops}).
 */
package dev.tern.x86.debug;
