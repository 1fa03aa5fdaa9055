package dev.tern.kernel.machine;

/** What a guest-requested reset (or a triple fault) does. */
public enum ResetPolicy {
    /** End the run, like QEMU's {@code -no-reboot}: {@code reboot -f} leaves the VMM. */
    EXIT,
    /** Reset vCPUs and devices and keep running, as a PC does. */
    RESET
}
