package dev.tern.spi.replay;

import dev.tern.spi.Config;
import dev.tern.spi.Provider;

/** Supplies replay filters (e.g. a file-based record/replay log). */
public interface ReplayFilterProvider extends Provider {

    /** Creates the filter for one machine. */
    ReplayFilter create(Config config);
}
