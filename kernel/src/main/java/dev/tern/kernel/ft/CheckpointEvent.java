package dev.tern.kernel.ft;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One checkpoint on the primary, from its start (the stop request) to the standby's
 * acknowledgement: the event's start and end are the checkpoint's begin and end.
 */
@Name("dev.tern.FtCheckpoint")
@Label("FT Checkpoint")
@Category({"Tern", "Fault Tolerance"})
@Description("A fault-tolerance checkpoint, from the stop request to the standby's acknowledgement")
final class CheckpointEvent extends jdk.jfr.Event {

    @Label("Sequence")
    long sequence;

    @Label("Cause")
    String cause;

    @Label("Pause")
    @Timespan(Timespan.NANOSECONDS)
    long pause;

    @Label("Dirty Pages")
    long dirtyPages;

    @Label("Stream Bytes")
    long streamBytes;
}
