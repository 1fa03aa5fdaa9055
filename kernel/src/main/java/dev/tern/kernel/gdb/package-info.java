/**
 * The GDB remote serial protocol stub ({@code tern run --gdb}): packet framing ({@link RspChannel}),
 * the command interpreter ({@link GdbSession}) and the machine it drives ({@link DebugTarget}),
 * including reverse execution in a replay ({@link ReplayTimeline}). See docs/protocols/gdb.md.
 */
package dev.tern.kernel.gdb;
