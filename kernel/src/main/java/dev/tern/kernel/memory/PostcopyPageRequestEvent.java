package dev.tern.kernel.memory;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * One guest-visible post-copy page fault on the destination (flight recorder): from the page
 * request of the first thread that touched the missing page until that thread runs on with the
 * page in RAM. Its duration is the request round trip plus the wake-up.
 */
@Name("dev.tern.PostcopyPageRequest")
@Label("Post-copy Page Request")
@Category({"Tern", "Migration"})
@Description("A missing page a vCPU or device touched on a post-copy destination: asked for, received, installed")
final class PostcopyPageRequestEvent extends jdk.jfr.Event {

    /** The guest page frame number. */
    @Label("Page")
    public long page;
}
