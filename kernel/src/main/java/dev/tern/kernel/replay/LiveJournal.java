package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;

import java.util.function.Consumer;

/** A run that is neither recorded nor replayed: inputs pass straight through, nothing is logged. */
public record LiveJournal() implements ReplayJournal {

    @Override
    public Mode mode() {
        return Mode.OFF;
    }

    @Override
    public void input(ReplayEvent event, Consumer<ReplayEvent> deliver) {
        deliver.accept(event);
    }

    @Override
    public long hostClock(String target, long instructions, int haltRound, long live) {
        return live;
    }
}
