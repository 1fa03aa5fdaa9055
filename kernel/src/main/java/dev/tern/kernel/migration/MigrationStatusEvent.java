package dev.tern.kernel.migration;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A migration changed status (flight recorder). */
@Name("dev.tern.MigrationStatus")
@Label("Migration Status")
@Category("Tern")
@Description("A live migration changed status")
public final class MigrationStatusEvent extends jdk.jfr.Event {

    /** The status entered. */
    @Label("Status")
    public String status;

    /** Bytes put on the wire so far. */
    @Label("Transferred")
    public long transferred;

    /** Dirty-log syncs so far. */
    @Label("Dirty Syncs")
    public long dirtySyncs;

    /** The error, for failed migrations. */
    @Label("Error")
    public String error;
}
