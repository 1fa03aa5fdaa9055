package dev.tern.kernel.migration;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** One pre-copy round: its pages sent, the dirty-log sync after it and the estimate it gave (flight recorder). */
@Name("dev.tern.MigrationRound")
@Label("Migration Round")
@Category({"Tern", "Migration"})
@Description("A pre-copy round of a live migration, from its first page to the switch-over rule's decision")
final class MigrationRoundEvent extends jdk.jfr.Event {

    /** 1 for the first pass over every page. */
    @Label("Round")
    public int round;

    /** Bytes put on the wire (all connections) during the round. */
    @Label("Sent")
    @DataAmount
    public long sentBytes;

    /** Pages the sync after the round found dirty. */
    @Label("Dirty Pages")
    public long dirtyPages;

    /** The downtime the round's estimate predicts for pausing now. */
    @Label("Estimated Downtime")
    @Timespan(Timespan.MILLISECONDS)
    public long estimatedDowntimeMs;

    /** Whether the switch-over rule chose to pause after this round. */
    @Label("Switch Over")
    public boolean switchOver;
}
