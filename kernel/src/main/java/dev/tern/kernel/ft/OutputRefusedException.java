package dev.tern.kernel.ft;

import java.io.IOException;

/**
 * A host sink did not take output the primary was releasing (a full disk, a file size limit): the
 * primary released nothing more and reported only what was taken, so the standby holds the rest.
 * The message names the channel, its position and the sink's failure.
 */
final class OutputRefusedException extends IOException {

    OutputRefusedException(String why) {
        super(why);
    }
}
