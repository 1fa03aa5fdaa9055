/**
 * Disks offered for block migration ({@code LiveDisk}): the machine's register of them and the
 * dirty-block bitmap the guest's writes set, kept as saved state. The migration stream that copies
 * them is in {@code dev.tern.kernel.migration}.
 */
package dev.tern.kernel.block;
