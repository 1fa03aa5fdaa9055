/**
 * Fault tolerance: a primary streams checkpoints (a dirty round of the kernel's RAM page stream
 * plus every device section, the code migration uses) to a standby, which takes over from the last
 * complete checkpoint when the primary's heartbeat stops. Protocol: docs/protocols/ft.md.
 */
package dev.tern.kernel.ft;
