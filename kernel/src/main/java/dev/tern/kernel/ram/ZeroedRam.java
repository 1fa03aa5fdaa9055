package dev.tern.kernel.ram;

import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.GuestRam;

import java.util.Objects;

/**
 * Guest RAM made all zeros ahead of an incoming stream, so that the stream's layout record need not
 * scan it again while the sender waits: a 256 MiB clear costs tens of milliseconds, which a
 * destination otherwise spends during the source's pre-copy, or worse, its pause.
 *
 * <p>Between {@link #prepare} and {@link #claimFor} the RAM's dirty log is held, so any write
 * through the memory (a device, a debugger) is seen; {@link #claimFor} clears those pages again
 * and tells the receiver that its RAM is zero. A vCPU writes RAM without the log only on the first
 * write to a page it cached as writable before logging began; a machine that never ran has none.
 */
public final class ZeroedRam {

    private final GuestRam memory;
    private final String owner;
    private boolean used;

    private ZeroedRam(GuestRam memory, String owner) {
        this.memory = memory;
        this.owner = owner;
    }

    /**
     * Makes every writable page of {@code memory} zero and watches it from then on, holding its
     * dirty log as {@code owner} until {@link #claimFor} or {@link #release}.
     *
     * @throws IllegalStateException when the dirty log is held by someone else
     */
    public static ZeroedRam prepare(GuestRam memory, String owner) {
        Objects.requireNonNull(memory, "memory");
        memory.dirtyLog().claim(Objects.requireNonNull(owner, "owner"));
        RamReceiver.makeZero(memory);
        return new ZeroedRam(memory, owner);
    }

    /**
     * Clears again the pages written since {@link #prepare}, lets {@code receiver} skip its clear of
     * the next layout record, and gives the dirty log back. Once only.
     *
     * @return how many pages had been written meanwhile and were cleared again
     */
    public long claimFor(RamReceiver receiver) {
        if (used) {
            throw new IllegalStateException("the zeroed RAM was claimed already");
        }
        used = true;
        try {
            DirtyPages written = memory.dirtyLog().syncAndClear();
            receiver.assumeZeroExcept(written);
            return written.count();
        } finally {
            release();
        }
    }

    /** Gives the dirty log back (the RAM is no longer watched). Idempotent. */
    public void release() {
        memory.dirtyLog().release(owner);
    }
}
