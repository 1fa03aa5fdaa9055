package dev.tern.kernel.trace;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** A virtual timer fired; the event's duration is its callback's run time. */
@Name("dev.tern.TimerFire")
@Label("Virtual Timer Fire")
@Category("Tern")
@Description("A virtual-clock timer's callback ran")
public final class TimerFireEvent extends jdk.jfr.Event {

    /** The timer's name. */
    @Label("Timer")
    public String timer;

    /** The deadline it was armed for, in virtual nanoseconds. */
    @Label("Deadline")
    @Timespan(Timespan.NANOSECONDS)
    public long deadline;

    /** The virtual time when it fired; later than the deadline by the run loop's lateness. */
    @Label("Virtual Time")
    @Timespan(Timespan.NANOSECONDS)
    public long virtualNanos;
}
