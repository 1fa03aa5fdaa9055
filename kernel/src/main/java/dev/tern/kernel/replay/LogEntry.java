package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayFilter.Delivery;

import java.util.Objects;

/** One entry of a replay log's event blocks. A closed set: each kind has its own tag in the format. */
public sealed interface LogEntry {

    /** vCPU 0's instruction count the entry belongs to. */
    long instructions();

    /** An input applied at a point. */
    record Input(Delivery delivery) implements LogEntry {
        public Input {
            Objects.requireNonNull(delivery, "delivery");
        }

        @Override
        public long instructions() {
            return delivery.instructions();
        }
    }

    /** The machine's fingerprint when vCPU 0 had retired {@code instructions} (a multiple of the interval). */
    record Checkpoint(long instructions, StateFingerprint state) implements LogEntry {
        public Checkpoint {
            Objects.requireNonNull(state, "state");
        }
    }

    /** The recording ended: how, and the final state. */
    record End(long instructions, String reason, StateFingerprint state) implements LogEntry {
        public End {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(state, "state");
        }
    }
}
