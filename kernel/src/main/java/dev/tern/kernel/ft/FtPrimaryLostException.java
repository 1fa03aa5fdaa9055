package dev.tern.kernel.ft;

import java.io.IOException;

/**
 * The standby's handshake failed after the peer proved the shared secret — so the peer was the
 * primary — and before the standby accepted it: the primary went away (or broke the protocol)
 * before any checkpoint, which leaves the standby nothing to run.
 */
final class FtPrimaryLostException extends IOException {
    FtPrimaryLostException(String reason, IOException cause) {
        super(reason, cause);
    }
}
