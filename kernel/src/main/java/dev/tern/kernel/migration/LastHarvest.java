package dev.tern.kernel.migration;

import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.ram.PageSet;

import java.util.function.Consumer;

/**
 * The switch-over's last harvest of the dirty log, with no vCPU running: a plain sync then sees
 * every write since the previous one. A class rather than a method reference because a method
 * reference's call site is linked (a class spun) on its first use, and this one is first used by a
 * process's first migration right at its pause — a millisecond or more under load, seen in a
 * flight recording; the launcher's ahead-of-time cache does not hold linked call sites.
 */
final class LastHarvest implements Consumer<PageSet> {

    private final DirtyLog log;
    private final PreCopyRounds rounds;

    LastHarvest(DirtyLog log, PreCopyRounds rounds) {
        this.log = log;
        this.rounds = rounds;
    }

    @Override
    public void accept(PageSet pending) {
        pending.addAll(log.syncAndClear());
        rounds.drainThrottle(pending);
        rounds.countSync();
    }
}
