package dev.tern.kernel.ft;

import dev.tern.kernel.migration.BandwidthPace;

import java.io.IOException;

/**
 * A full sync without a stop-the-world copy ({@code precopy=}): pre-copy rounds while the guest
 * runs — all of RAM, then the pages dirtied meanwhile, while that shrinks — and then checkpoint 0,
 * whose one stop copies only the pages dirtied during the last round.
 *
 * @param checkpoint0 checkpoint 0, to send
 * @param firstRoundPages the pages the first round copied: every page, as many as a stop-the-world
 *     full sync copies
 * @param roundBytes the bytes of all the rounds' streams
 * @param rounds the rounds sent
 */
record PrecopiedSync(CheckpointWriter.Encoded checkpoint0, long firstRoundPages, long roundBytes, int rounds) {

    /** Pre-copy rounds at most (checkpoint 0 follows them). */
    static final int MAX_ROUNDS = 5;
    /** A round this small is the last: its pages are few enough to copy in checkpoint 0's stop. */
    static final long ENOUGH_PAGES = 256;

    /** Something that throws when the standby is gone, asked between two rounds. */
    @FunctionalInterface
    interface PeerCheck {
        void check() throws IOException;
    }

    /**
     * Sends the rounds to the standby at the end of {@code w}, at most {@code bytesPerSecond}
     * ({@code sync-bandwidth=}), and makes checkpoint 0 (not sent).
     */
    static PrecopiedSync run(FtWire w, CheckpointWriter writer, CheckpointSender sender, long bytesPerSecond,
            PeerCheck peer) throws IOException {
        var pace = BandwidthPace.of(bytesPerSecond);
        CheckpointWriter.Encoded r = writer.precopyFirst();
        long firstPages = r.dirtyPages();
        long bytes = r.stream().length;
        sender.sendStream(w, FtMessage.PRECOPY_BEGIN, 0, r, pace);
        int round = 1;
        for (long previous = Long.MAX_VALUE; round < MAX_ROUNDS; round++) {
            peer.check();
            r = writer.precopyNext();
            bytes += r.stream().length;
            sender.sendStream(w, FtMessage.PRECOPY_BEGIN, round, r, pace);
            if (r.dirtyPages() <= ENOUGH_PAGES || r.dirtyPages() >= previous) {
                round++;
                break; // the last round is small, or the guest dirties as fast as the rounds go
            }
            previous = r.dirtyPages();
        }
        return new PrecopiedSync(writer.next(0), firstPages, bytes, round);
    }
}
