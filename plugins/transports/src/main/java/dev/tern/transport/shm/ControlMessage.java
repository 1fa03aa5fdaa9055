package dev.tern.transport.shm;

import java.util.List;
import java.util.Objects;

/**
 * The messages of the shm control channel (docs/protocols/shm-transport.md). Records are built
 * only from values already checked by {@link ControlCodec}, so a message in hand is well formed.
 */
sealed interface ControlMessage {

    /** First message in each direction: protocol identity and version. */
    record Hello(long magic, int version) implements ControlMessage { }

    /** Bytes of the ordinary stream (device state, migration stream records). */
    record Data(byte[] bytes) implements ControlMessage {
        public Data {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /** Asks the peer for its exposed region {@code name} of {@code size} bytes. */
    record RegisterRequest(String name, long size) implements ControlMessage { }

    /** The region asked for: the file (in the shared directory) to map and the id to use. */
    record RegisterResult(int regionId, long size, String fileName) implements ControlMessage { }

    /** The region asked for cannot be given, and why. */
    record RegisterError(String reason) implements ControlMessage { }

    /** Ranges of an exposed region that are zero and were therefore not written. */
    record ZeroRanges(int regionId, List<Range> ranges) implements ControlMessage {
        public ZeroRanges {
            ranges = List.copyOf(ranges);
        }
    }

    /** Everything written before this message is in place. Counts cover the writes since the last one: bytes copied, and of those, zero bytes written over stale data. */
    record ChunksDone(long bytesWritten, long bytesZeroFilled) implements ControlMessage { }

    /** The sender has finished: no further message follows in this direction. */
    record Complete() implements ControlMessage { }

    /** A byte range of a region. */
    record Range(long offset, long length) { }
}
