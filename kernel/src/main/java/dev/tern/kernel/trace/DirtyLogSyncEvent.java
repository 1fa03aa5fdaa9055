package dev.tern.kernel.trace;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The dirty log was harvested and cleared (one migration or checkpoint round). */
@Name("dev.tern.DirtyLogSync")
@Label("Dirty Log Sync")
@Category("Tern")
@Description("Dirty pages harvested from the dirty log")
public final class DirtyLogSyncEvent extends jdk.jfr.Event {

    /** Pages found dirty in this snapshot. */
    @Label("Dirty Pages")
    public long dirtyPages;

    /** Pages the log covers. */
    @Label("Tracked Pages")
    public long trackedPages;
}
