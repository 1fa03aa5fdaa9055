package dev.tern.samples.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Calls the sample's guest function (shout.rom: answers each line in upper case with a call count
 * and a running byte total) as a library would: warm it up with one call, snapshot, then run each
 * input from that same snapshot, the way a fuzzing farm replays inputs from a known state.
 *
 * <p>{@code EmbeddingDemo [INPUT...]} (default: three sample inputs).
 */
public final class EmbeddingDemo {

    /** The guest ROM, on the class path. */
    public static final String ROM = "/dev/tern/samples/embedding/shout.rom";

    private EmbeddingDemo() {
    }

    public static void main(String[] args) throws Exception {
        List<String> inputs = args.length > 0 ? List.of(args) : List.of("hello tern", "fuzz me", "again");
        for (String input : inputs) {
            if (input.indexOf('\n') >= 0 || input.indexOf('\r') >= 0) {
                System.err.println("embedding: each input is one line; this one has a line break: '" + input + "'");
                System.exit(2);
            }
        }
        try (GuestFunction shout = GuestFunction.boot(rom(), 10_000)) {
            System.out.println("warm-up:  " + shout.call("warm up"));
            byte[] warm = shout.snapshot();
            System.out.println("snapshot: " + warm.length + " bytes");
            for (String input : inputs) {
                shout.restore(warm);
                System.out.println("call:     " + shout.call(input));
            }
        }
    }

    /** The bytes of {@link #ROM}. */
    public static byte[] rom() throws IOException {
        try (InputStream in = EmbeddingDemo.class.getResourceAsStream(ROM)) {
            if (in == null) {
                throw new IOException("the guest ROM " + ROM + " is not on the class path");
            }
            return in.readAllBytes();
        }
    }
}
