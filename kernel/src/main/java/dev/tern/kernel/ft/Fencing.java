package dev.tern.kernel.ft;

import java.nio.file.Path;

/**
 * What keeps the two sides of a pair from both running the guest after a partition: a lease at a
 * witness ({@code witness=URI}), a lease on a shared file ({@code lease=file:PATH}), or nothing,
 * which the operator must ask for ({@code fencing=none}): without a lease a partition makes each
 * side take the other for dead, and both run the guest.
 */
public sealed interface Fencing permits Fencing.Witness, Fencing.LeaseFile, Fencing.None {

    /** The kind alone, compared in the handshake: both sides must fence the same way. */
    String kind();

    /** For the start-up line and {@code info ft}: the kind and where its authority is. */
    String describe();

    /** A lease held at a {@code tern witness} process. */
    record Witness(String address) implements Fencing {
        @Override
        public String kind() {
            return "witness";
        }

        @Override
        public String describe() {
            return "the witness " + address;
        }
    }

    /** A lease that is a lock on a file both sides reach. */
    record LeaseFile(Path path) implements Fencing {
        @Override
        public String kind() {
            return "lease file";
        }

        @Override
        public String describe() {
            return "the lease file " + path;
        }
    }

    /** No fencing, asked for explicitly. */
    record None() implements Fencing {
        @Override
        public String kind() {
            return "none";
        }

        @Override
        public String describe() {
            return "none (fencing=none: a partition can make both sides run the guest)";
        }
    }
}
