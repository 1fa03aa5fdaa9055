package dev.tern.kernel.ft;

import java.io.IOException;

/** The peer said REFUSED: the message is its reason. */
final class FtRefusedException extends IOException {
    FtRefusedException(String reason) {
        super(reason);
    }
}
